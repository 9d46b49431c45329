/**
 * Per-operation authorization of Cloud Map calls, by the same rules the native routes
 * declare: reading or writing a namespace needs namespace access, anything about a
 * service or its instances needs service access (a service rule beats a namespace
 * rule), and lists show only what the token may read. Ids and ARNs are resolved to
 * names first; an id that resolves to nothing is left to the handler, which answers
 * NotFound without touching anything.
 */
import type { Authorizer } from '../../core/acl.js';
import { GrapevineError } from '../../core/errors.js';
import { validateNamespaceName, validateServiceName } from '../../core/validate.js';
import type { CmContext } from './context.js';
import { CloudMapError } from './errors.js';
import { findNamespace, findService, idOf, namespaceId } from './ids.js';
import type { Members } from './input.js';
import type { Operation } from './operations.js';
import { findByArn } from './tags.js';

type Access = 'read' | 'write';
/** Target says where an operation's namespace or service comes from in its input. */
type Target = 'create-namespace' | 'namespace-id' | 'create-service' | 'service-id' | 'service-ref' | 'names' | 'arn' | 'filtered';

/** OPERATION_ACCESS declares, for each operation, its target and the access it needs. */
const OPERATION_ACCESS: Record<string, { target: Target; access: Access }> = {
  CreateHttpNamespace: { target: 'create-namespace', access: 'write' },
  CreatePrivateDnsNamespace: { target: 'create-namespace', access: 'write' },
  CreatePublicDnsNamespace: { target: 'create-namespace', access: 'write' },
  UpdateHttpNamespace: { target: 'namespace-id', access: 'write' },
  UpdatePrivateDnsNamespace: { target: 'namespace-id', access: 'write' },
  UpdatePublicDnsNamespace: { target: 'namespace-id', access: 'write' },
  DeleteNamespace: { target: 'namespace-id', access: 'write' },
  GetNamespace: { target: 'namespace-id', access: 'read' },
  ListNamespaces: { target: 'filtered', access: 'read' },
  CreateService: { target: 'create-service', access: 'write' },
  UpdateService: { target: 'service-id', access: 'write' },
  DeleteService: { target: 'service-id', access: 'write' },
  GetService: { target: 'service-id', access: 'read' },
  ListServices: { target: 'filtered', access: 'read' },
  GetServiceAttributes: { target: 'service-ref', access: 'read' },
  UpdateServiceAttributes: { target: 'service-ref', access: 'write' },
  DeleteServiceAttributes: { target: 'service-ref', access: 'write' },
  RegisterInstance: { target: 'service-ref', access: 'write' },
  DeregisterInstance: { target: 'service-ref', access: 'write' },
  UpdateInstanceCustomHealthStatus: { target: 'service-ref', access: 'write' },
  GetInstance: { target: 'service-ref', access: 'read' },
  ListInstances: { target: 'service-ref', access: 'read' },
  GetInstancesHealthStatus: { target: 'service-ref', access: 'read' },
  DiscoverInstances: { target: 'names', access: 'read' },
  DiscoverInstancesRevision: { target: 'names', access: 'read' },
  ListTagsForResource: { target: 'arn', access: 'read' },
  TagResource: { target: 'arn', access: 'write' },
  UntagResource: { target: 'arn', access: 'write' },
  GetOperation: { target: 'filtered', access: 'read' },
  ListOperations: { target: 'filtered', access: 'read' },
};

/** denied is the refusal of one operation, as the AWS SDKs name it. */
function denied(accessorId: string, what: string): CloudMapError {
  return new CloudMapError('AccessDeniedException', `token ${accessorId} may not ${what}`);
}

/** orUndefined runs a lookup and turns "not found" into undefined, leaving the answer to the handler. */
function orUndefined<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof CloudMapError || e instanceof GrapevineError) return undefined;
    throw e;
  }
}

/**
 * authorizeOperation checks an operation's declared need before its handler runs;
 * a refusal is AccessDeniedException. An operation without a declaration needs
 * management, so a new operation fails closed until it declares one.
 */
export function authorizeOperation(c: CmContext, name: string, input: Members, authz: Authorizer, accessorId: string): void {
  if (authz.management) return;
  const need = OPERATION_ACCESS[name];
  if (need === undefined) throw denied(accessorId, `call ${name} (management only)`);
  const { access } = need;
  const ns = (nsName: string | undefined) => {
    if (nsName !== undefined && !authz.namespace(nsName, access)) throw denied(accessorId, `${access} namespace ${nsName}`);
  };
  const svc = (s: { namespace: string; name: string } | undefined) => {
    if (s !== undefined && !authz.service(s.namespace, s.name, access)) throw denied(accessorId, `${access} service ${s.namespace}/${s.name}`);
  };
  switch (need.target) {
    case 'create-namespace':
      return ns(orUndefined(() => validateNamespaceName(input.Name, 'Name')));
    case 'namespace-id':
      return ns(orUndefined(() => findNamespace(c.reg, idOf(input.Id, 'Id', 'ns-')).name));
    case 'create-service': {
      const ref = input.NamespaceId ?? (input.DnsConfig as Members | undefined)?.NamespaceId;
      const n = orUndefined(() => findNamespace(c.reg, idOf(ref, 'NamespaceId', 'ns-')).name);
      const s = orUndefined(() => validateServiceName(input.Name, 'Name'));
      return svc(n !== undefined && s !== undefined ? { namespace: n, name: s } : undefined);
    }
    case 'service-id':
      return svc(orUndefined(() => findService(c.reg, idOf(input.Id, 'Id', 'srv-'))));
    case 'service-ref':
      return svc(orUndefined(() => findService(c.reg, idOf(input.ServiceId, 'ServiceId', 'srv-'))));
    case 'names': {
      const n = orUndefined(() => validateNamespaceName(input.NamespaceName, 'NamespaceName'));
      const s = orUndefined(() => validateServiceName(input.ServiceName, 'ServiceName'));
      return svc(n !== undefined && s !== undefined ? { namespace: n, name: s } : undefined);
    }
    case 'arn': {
      const t = orUndefined(() => findByArn(c, input));
      if (t?.kind === 'n') return ns(t.value.name);
      return svc(t?.value);
    }
    case 'filtered':
      return;
  }
}

/** operationVisible says whether a token may see an operation: it may read the namespace and service the operation touched, where they still exist. */
function operationVisible(c: CmContext, o: Operation, authz: Authorizer): boolean {
  const n = o.targets.NAMESPACE === undefined ? undefined : orUndefined(() => findNamespace(c.reg, o.targets.NAMESPACE!));
  const s = o.targets.SERVICE === undefined ? undefined : orUndefined(() => findService(c.reg, o.targets.SERVICE!));
  if (n === undefined && s === undefined) return true; // gone: the operation id (160 random bits) is the caller's own receipt
  return (n === undefined || authz.namespace(n.name, 'read')) && (s === undefined || authz.service(s.namespace, s.name, 'read'));
}

/**
 * filterOutput applies read access to what list and operation calls return: lists
 * keep only the namespaces, services and operations the token may read (a page may
 * then hold fewer than MaxResults, which AWS allows), and GetOperation of an
 * operation on something unreadable is AccessDeniedException.
 */
export async function filterOutput(c: CmContext, name: string, out: Record<string, unknown> | undefined, authz: Authorizer, accessorId: string): Promise<Record<string, unknown> | undefined> {
  if (authz.management || out === undefined) return out;
  switch (name) {
    case 'ListNamespaces':
      return { ...out, Namespaces: (out.Namespaces as { Name: string }[]).filter((n) => authz.namespaceVisible(n.Name)) };
    case 'ListServices': {
      const names = new Map(c.reg.namespaces().map((n) => [namespaceId(n.name), n.name]));
      const readable = (s: { Name: string; NamespaceId: string }) => {
        const n = names.get(s.NamespaceId);
        return n !== undefined && authz.service(n, s.Name, 'read');
      };
      return { ...out, Services: (out.Services as { Name: string; NamespaceId: string }[]).filter(readable) };
    }
    case 'GetOperation': {
      const id = (out.Operation as { Id: string }).Id;
      if (!operationVisible(c, await c.ops.get(id), authz)) throw denied(accessorId, `read operation ${id}`);
      return out;
    }
    case 'ListOperations': {
      const kept: unknown[] = [];
      for (const o of out.Operations as { Id: string }[]) if (operationVisible(c, await c.ops.get(o.Id), authz)) kept.push(o);
      return { ...out, Operations: kept };
    }
    default:
      return out;
  }
}


/** declaredOperations lists the operations with a declared need (the rest need management). */
export function declaredOperations(): string[] {
  return Object.keys(OPERATION_ACCESS).sort();
}
