/**
 * Cloud Map API errors: `{"__type": "<Code>", "message": "..."}` with the HTTP status of
 * the Smithy model (CLOUDMAP.md §2). Native GrapevineErrors are translated here, so the
 * adapters reuse the native validation and commands as they are.
 */
import { GrapevineError } from '../../core/errors.js';
import { SigV4Error } from '../sigv4.js';

/** CLOUDMAP_STATUS is the HTTP status the model declares for each error code. */
const CLOUDMAP_STATUS: Record<string, number> = {
  InvalidInput: 400,
  NamespaceNotFound: 404,
  ServiceNotFound: 404,
  InstanceNotFound: 404,
  OperationNotFound: 404,
  CustomHealthNotFound: 404,
  ResourceInUse: 409,
  DuplicateRequest: 409,
  NamespaceAlreadyExists: 400,
  ServiceAlreadyExists: 400,
  ResourceNotFoundException: 404,
  ResourceLimitExceeded: 400,
  TooManyTagsException: 400,
  RequestLimitExceeded: 429,
  ServiceAttributesLimitExceededException: 400,
  UnknownOperationException: 400,
  SerializationException: 400,
  PayloadTooLarge: 413,
  ServiceUnavailable: 503,
  AccessDeniedException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  IncompleteSignatureException: 400,
  InternalFailure: 500,
};

/** CloudMapError is an expected Cloud Map API failure with its code, status and extra members. */
export class CloudMapError extends Error {
  readonly status: number;
  constructor(
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CloudMapError';
    this.status = CLOUDMAP_STATUS[code] ?? 400;
  }
}

/** cmInvalid builds an InvalidInput error that names the offending member. */
export function cmInvalid(member: string, why: string): CloudMapError {
  return new CloudMapError('InvalidInput', `${member}: ${why}`);
}

/**
 * toCloudMapError turns any failure into a CloudMapError: native codes keep their name
 * where Cloud Map has the same one; storage and clock refusals are ServiceUnavailable.
 */
export function toCloudMapError(e: unknown): CloudMapError | undefined {
  if (e instanceof CloudMapError) return e;
  if (!(e instanceof GrapevineError)) return undefined;
  // A refused signature or token: the AWS error types the SDKs and CLI know.
  if (e instanceof SigV4Error) return new CloudMapError(e.awsType, e.message);
  switch (e.code) {
    case 'PermissionDenied':
      return new CloudMapError(e.message === 'ACL token not found' ? 'UnrecognizedClientException' : 'AccessDeniedException', e.message);
    case 'TooManyRequests':
      return new CloudMapError('RequestLimitExceeded', e.message);
    case 'UnsupportedMediaType':
      return new CloudMapError('SerializationException', e.message);
    case 'StorageUnavailable':
    case 'ClockSkew':
    case 'Unavailable':
      return new CloudMapError('ServiceUnavailable', `${e.code}: ${e.message}`);
    case 'NotImplemented':
    case 'NotFound':
    case 'MethodNotAllowed':
    case 'Internal':
      return new CloudMapError('InvalidInput', e.message);
    default:
      return new CloudMapError(e.code, e.message);
  }
}

/** errorBody is the JSON body of a Cloud Map error. */
export function errorBody(e: CloudMapError): Record<string, unknown> {
  return { __type: e.code, message: e.message, ...e.extra };
}

/**
 * withMembers runs a native command and renames the native field names in its
 * InvalidInput messages to the Cloud Map members they came from, so that the error
 * names the member the client sent.
 */
export function withMembers<T>(renames: [RegExp, string | ((m: string, ...g: string[]) => string)][], f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof GrapevineError) || e.code !== 'InvalidInput') throw e;
    let msg = e.message;
    const colon = msg.indexOf(': ');
    if (colon > 0) {
      let field = msg.slice(0, colon);
      for (const [re, to] of renames) field = field.replace(re, to as string);
      msg = field + msg.slice(colon);
    }
    throw new CloudMapError('InvalidInput', msg);
  }
}
