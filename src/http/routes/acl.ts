import { ACCESSOR_ID, validateTokenBody, type TokenValue } from '../../core/acl.js';
import { GrapevineError, invalid } from '../../core/errors.js';
import { tokenKey } from '../../core/keys.js';
import { hashSecret, newAwsKeyPair, newTokenIds } from '../acl.js';
import type { ApiDeps, Route } from '../types.js';

/** tokenJson shows a token without its secret hash or secret access key (its access key id is not secret). */
function tokenJson(t: TokenValue): Record<string, unknown> {
  return { accessorId: t.accessorId, description: t.description, rules: t.rules, createdAtMs: t.createdAtMs, ...(t.awsAccessKeyId ? { awsAccessKeyId: t.awsAccessKeyId } : {}) };
}

function accessorParam(v: string | undefined): string {
  if (typeof v !== 'string' || !ACCESSOR_ID.test(v)) throw invalid('accessorId', 'must be a lower-case UUID');
  return v;
}

/**
 * aclRoutes serves token management: create (the secret is shown once, in the answer;
 * only its SHA-256 is stored and replicated; an AWS secret access key, when asked for, is
 * shown once too but stored as is, for SigV4), list, get and delete. All need a token
 * with an `acl` rule (or the initial management token).
 */
export function aclRoutes(deps: ApiDeps): Route[] {
  const node = deps.ctx.node;
  const reg = node.registry;
  const find = (id: string) => {
    const v = reg.get(tokenKey(id))?.value as TokenValue | null | undefined;
    if (!v) throw new GrapevineError('NotFound', `no ACL token with accessor id ${id}`);
    return v;
  };
  return [
    {
      method: 'GET',
      path: '/v1/acl/tokens',
      acl: { resource: 'acl', access: 'read' },
      handler: () => ({ body: { tokens: reg.tokens().map(tokenJson) } }),
    },
    {
      method: 'POST',
      path: '/v1/acl/tokens',
      acl: { resource: 'acl', access: 'write' },
      handler: async (req) => {
        const body = validateTokenBody(req.body);
        const ids = newTokenIds();
        const accessorId = ids.accessorId;
        const secretId = body.secretId ?? ids.secretId;
        const secretHash = hashSecret(secretId);
        if (reg.tokenBySecretHash(secretHash)) throw invalid('secretId', 'another token has this secret');
        const value: TokenValue = { accessorId, secretHash, description: body.description, rules: body.rules, createdAtMs: node.clock.nowMs() };
        if (body.awsAccessKey) Object.assign(value, newAwsKeyPair());
        await node.write([{ key: tokenKey(accessorId), value }]);
        const aws = value.awsAccessKeyId ? { awsAccessKeyId: value.awsAccessKeyId, awsSecretAccessKey: value.awsSecretAccessKey } : {};
        return { status: 201, body: { ...tokenJson(value), secretId, ...aws } };
      },
    },
    {
      method: 'GET',
      path: '/v1/acl/tokens/:accessorId',
      acl: { resource: 'acl', access: 'read' },
      handler: (req) => ({ body: tokenJson(find(accessorParam(req.params.accessorId))) }),
    },
    {
      method: 'DELETE',
      path: '/v1/acl/tokens/:accessorId',
      acl: { resource: 'acl', access: 'write' },
      handler: async (req) => {
        const id = accessorParam(req.params.accessorId);
        find(id);
        await node.write([{ key: tokenKey(id), value: null }]);
        return { body: { deleted: id } };
      },
    },
  ];
}
