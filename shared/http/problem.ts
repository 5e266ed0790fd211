import type { APIGatewayProxyResult } from 'aws-lambda';
import type { DomainErrorName, FieldError } from '../domain/errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details, as api-contract.md defines them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: FieldError[];
  correlationId?: string;
}

const STATUS_BY_ERROR: Record<DomainErrorName, { status: number; title: string; slug: string }> = {
  ValidationError: { status: 400, title: 'Invalid request', slug: 'validation' },
  UnauthorizedError: { status: 401, title: 'Unauthorized', slug: 'unauthorized' },
  ForbiddenError: { status: 403, title: 'Forbidden', slug: 'forbidden' },
  NotFoundError: { status: 404, title: 'Not found', slug: 'not-found' },
  ConflictError: { status: 409, title: 'Conflict', slug: 'conflict' },
  PayloadTooLargeError: { status: 413, title: 'Payload too large', slug: 'payload-too-large' },
  UnsupportedMediaTypeError: { status: 415, title: 'Unsupported media type', slug: 'unsupported-media-type' },
  BusinessRuleError: { status: 422, title: 'Request refused', slug: 'business-rule' },
  TooManyRequestsError: { status: 429, title: 'Too many requests', slug: 'throttled' },
  ServiceUnavailableError: { status: 503, title: 'Service unavailable', slug: 'paused' },
};

const TYPE_BASE = 'https://stockade.dev/problems/';

/** The problem for a domain error name. */
export function problemFor(name: DomainErrorName, detail: string, instance: string, errors?: readonly FieldError[]): Problem {
  const { status, title, slug } = STATUS_BY_ERROR[name];
  return { type: `${TYPE_BASE}${slug}`, title, status, detail, instance, ...(errors?.length ? { errors: [...errors] } : {}) };
}

/** The generic 500: no internals, only the correlation id to find the full error in the logs. */
export function internalProblem(instance: string, correlationId: string): Problem {
  return {
    type: `${TYPE_BASE}internal`,
    title: 'Internal error',
    status: 500,
    detail: 'The request could not be completed. Quote the correlation id when reporting this.',
    instance,
    correlationId,
  };
}

/** A dependency asked us to try again (a contended transaction, a provider that did not answer): 503, retry soon. */
export function unavailableProblem(instance: string, correlationId: string): Problem {
  return {
    type: `${TYPE_BASE}unavailable`,
    title: 'Service unavailable',
    status: 503,
    detail: 'A service this request needs was briefly unavailable. Retrying the same request shortly is safe.',
    instance,
    correlationId,
  };
}

/** An error answer: problem+json, never kept by a cache (a CDN would otherwise serve a passing 404 or 503 to others). */
export function problemResponse(problem: Problem, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: problem.status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(problem),
  };
}

export function isDomainErrorName(name: string): name is DomainErrorName {
  return Object.hasOwn(STATUS_BY_ERROR, name);
}
