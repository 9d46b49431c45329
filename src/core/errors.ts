/** ErrorCode lists the stable error codes the API shows to users as is. */
export type ErrorCode =
  | 'InvalidInput'
  | 'NamespaceNotFound'
  | 'ServiceNotFound'
  | 'InstanceNotFound'
  | 'ResourceInUse'
  | 'NamespaceAlreadyExists'
  | 'ServiceAlreadyExists'
  | 'CustomHealthNotFound'
  | 'PayloadTooLarge'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'NotImplemented'
  | 'Unavailable'
  | 'StorageUnavailable'
  | 'ClockSkew'
  | 'PermissionDenied'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'Internal';

const STATUS: Record<ErrorCode, number> = {
  InvalidInput: 400,
  NamespaceNotFound: 404,
  ServiceNotFound: 404,
  InstanceNotFound: 404,
  NotFound: 404,
  CustomHealthNotFound: 404,
  MethodNotAllowed: 405,
  ResourceInUse: 409,
  NamespaceAlreadyExists: 409,
  ServiceAlreadyExists: 409,
  PermissionDenied: 403,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  TooManyRequests: 429,
  Internal: 500,
  NotImplemented: 501,
  Unavailable: 503,
  StorageUnavailable: 503,
  ClockSkew: 503,
};

/** GrapevineError is an expected failure with a stable code and an HTTP status. */
export class GrapevineError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'GrapevineError';
    this.code = code;
    this.status = STATUS[code];
  }
}

/** invalid builds an InvalidInput error that names the offending field. */
export function invalid(field: string, why: string): GrapevineError {
  return new GrapevineError('InvalidInput', `${field}: ${why}`);
}
