/**
 * Domain errors carry a stable `name` that the HTTP layer maps to a status code. Use cases throw them; handlers never
 * catch them to return values.
 */
export abstract class DomainError extends Error {
  abstract override readonly name: DomainErrorName;
  /** Field-level problems, for validation failures. */
  readonly errors?: readonly FieldError[];

  constructor(message: string, errors?: readonly FieldError[]) {
    super(message);
    if (errors) this.errors = errors;
  }
}

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export type DomainErrorName =
  | 'ValidationError'
  | 'UnauthorizedError'
  | 'ForbiddenError'
  | 'NotFoundError'
  | 'ConflictError'
  | 'PayloadTooLargeError'
  | 'BusinessRuleError'
  | 'UnsupportedMediaTypeError'
  | 'TooManyRequestsError'
  | 'ServiceUnavailableError';

/** Input is malformed or fails the schema. */
export class ValidationError extends DomainError {
  readonly name = 'ValidationError' as const;
}
/**
 * A webhook request whose signature is missing, malformed, stale or made with no accepted secret: refused with 400
 * before its body is read, and counted apart from other refusals (a flood of them is an attack or a rotated secret).
 */
export class WebhookSignatureError extends ValidationError {}
/** No identity, or an identity that could not be verified. */
export class UnauthorizedError extends DomainError {
  readonly name = 'UnauthorizedError' as const;
}
/** A known identity that may not do this. */
export class ForbiddenError extends DomainError {
  readonly name = 'ForbiddenError' as const;
}
/** Absent, or not the caller's to see (never reveal which). */
export class NotFoundError extends DomainError {
  readonly name = 'NotFoundError' as const;
}
/** The state changed under the caller: stock, versions, a reused idempotency key. */
export class ConflictError extends DomainError {
  readonly name = 'ConflictError' as const;
}
/** The request body exceeds the configured limit. */
export class PayloadTooLargeError extends DomainError {
  readonly name = 'PayloadTooLargeError' as const;
}
/** The body is not JSON. */
export class UnsupportedMediaTypeError extends DomainError {
  readonly name = 'UnsupportedMediaTypeError' as const;
}
/** The caller asked again sooner than a per-caller limit allows (one export per hour): 429 with Retry-After. */
export class TooManyRequestsError extends DomainError {
  readonly name = 'TooManyRequestsError' as const;

  constructor(
    message: string,
    /** Whole seconds until the caller may ask again. */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
/**
 * The flow is stopped on purpose for now (a mitigation switch: checkout paused, a provider's webhooks refused): 503
 * with Retry-After, so a client or provider tries again later. Not a failure of ours, so logged as a refusal.
 */
export class ServiceUnavailableError extends DomainError {
  readonly name = 'ServiceUnavailableError' as const;

  constructor(
    message: string,
    /** Whole seconds after which the caller should try again. */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
/** Well-formed, but a business rule refuses it. */
export class BusinessRuleError extends DomainError {
  readonly name = 'BusinessRuleError' as const;
}
