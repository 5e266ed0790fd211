import * as z from '../../../shared/validation/zod';
import { StripeApiError, invalidRequest } from './errors';
import type { ArmedFault, FaultRule, StripeFault } from './faults';

/** Where the control API's paths start: outside Stripe's `/v1/`, so no SDK call reaches it by mistake. */
export const CONTROL_PREFIX = '/_stand-in/';

/** What the control API drives: the stand-in's own methods. */
export interface ControlTarget {
  injectFault(rule: FaultRule): ArmedFault;
  clearFaults(): void;
  redeliver(eventId: string): void;
  requests(): readonly unknown[];
}

/** A control API answer; the body is sent as JSON. */
export interface ControlResponse {
  readonly status: number;
  readonly body?: unknown;
}

/** Longer than any SDK timeout worth testing, short enough that a typo does not park a request for an hour. */
const MAX_DELAY_MS = 5 * 60 * 1000;
const when = z.optional(z.enum(['before', 'after']));

// `satisfies` keeps the schema and the StripeFault type in step: a new kind of fault must be added to both.
const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('error'), status: z.int().check(z.minimum(400), z.maximum(599)), when, shouldRetry: z.optional(z.boolean()) }),
  z.strictObject({ kind: z.literal('reset'), when }),
  z.strictObject({ kind: z.literal('hang'), when }),
  z.strictObject({ kind: z.literal('delay'), ms: z.int().check(z.minimum(1), z.maximum(MAX_DELAY_MS)) }),
]) satisfies z.ZodMiniType<StripeFault>;

const faultRuleSchema = z
  .strictObject({
    method: z.optional(z.string().check(z.regex(/^[A-Za-z]+$/, 'method must be an HTTP method such as GET or POST'))),
    path: z.optional(z.string().check(z.startsWith('/', 'path must be a URL path such as /v1/payment_intents'))),
    pathPattern: z.optional(z.string().check(z.minLength(1))),
    times: z.optional(z.int().check(z.minimum(1), z.maximum(10_000))),
    fault: faultSchema,
  })
  .check(
    z.superRefine((rule, ctx) => {
      if ((rule.path === undefined) === (rule.pathPattern === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['path'],
          message: 'give exactly one of path (the exact URL path) and pathPattern (a regular expression source)',
        });
      }
      const pattern = rule.pathPattern === undefined ? undefined : compile(rule.pathPattern);
      if (pattern instanceof Error) ctx.addIssue({ code: 'custom', path: ['pathPattern'], message: `not a valid regular expression: ${pattern.message}` });
    }),
  );

/** A fault rule as JSON carries it: `pathPattern` is a RegExp's source (`^/v1/payment_intents/[^/]+/confirm$`). */
export type ControlFaultRule = z.infer<typeof faultRuleSchema>;

const redeliverSchema = z.strictObject({});
const REDELIVER = /^\/_stand-in\/events\/([^/]+)\/redeliver$/;

/**
 * The control API: what tests and tools in other processes need from a stand-in that lives inside the `npm start`
 * runtime. It shares the API's port and secret key; its requests are not in the request log and faults never apply
 * to them.
 *
 * - `POST /_stand-in/faults` `{ method?, path | pathPattern, times?, fault }` arms a fault: 201 `{ id }`.
 * - `DELETE /_stand-in/faults` disarms every fault: 204.
 * - `POST /_stand-in/events/{id}/redeliver` resends an event to the webhook endpoint: 202 `{ id }`, 404 if unknown.
 * - `GET /_stand-in/requests` answers the request log, oldest first.
 *
 * Bodies are JSON and validated strictly; a refused one is a 400 in Stripe's error shape saying what was wrong.
 * Refusals are thrown as StripeApiError, which the stand-in renders as it renders the API's.
 */
export function control(target: ControlTarget, method: string, path: string, body: string): ControlResponse {
  if (path === `${CONTROL_PREFIX}faults`) {
    if (method === 'POST') {
      const rule = parse(faultRuleSchema, body, 'fault rule');
      const armed = target.injectFault({
        ...(rule.method === undefined ? {} : { method: rule.method }),
        path: rule.path ?? (compile(rule.pathPattern as string) as RegExp),
        ...(rule.times === undefined ? {} : { times: rule.times }),
        fault: rule.fault,
      });
      return { status: 201, body: { id: armed.id } };
    }
    if (method === 'DELETE') {
      target.clearFaults();
      return { status: 204 };
    }
    throw methodNotAllowed(method, path, ['POST', 'DELETE']);
  }
  if (path === `${CONTROL_PREFIX}requests`) {
    if (method === 'GET') return { status: 200, body: target.requests() };
    throw methodNotAllowed(method, path, ['GET']);
  }
  const redeliver = REDELIVER.exec(path);
  if (redeliver) {
    if (method !== 'POST') throw methodNotAllowed(method, path, ['POST']);
    parse(redeliverSchema, body, 'redeliver request');
    const eventId = decode(redeliver[1] as string);
    target.redeliver(eventId);
    return { status: 202, body: { id: eventId } };
  }
  throw new StripeApiError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized control request (${method}: ${path}). The stand-in's control API has POST and DELETE ${CONTROL_PREFIX}faults, POST ${CONTROL_PREFIX}events/{id}/redeliver and GET ${CONTROL_PREFIX}requests.`,
  });
}

/** An empty body counts as `{}`, so a bodiless POST works where nothing needs saying. */
function parse<T>(schema: z.ZodMiniType<T>, body: string, what: string): T {
  let json: unknown;
  try {
    json = body.trim() === '' ? {} : JSON.parse(body);
  } catch (error) {
    throw invalidRequest(`Invalid ${what}: the body is not JSON (${(error as Error).message}).`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    throw invalidRequest(`Invalid ${what}: ${problems.join('; ')}.`);
  }
  return parsed.data;
}

function compile(source: string): RegExp | Error {
  try {
    // The pattern comes from a test or tool holding the secret key, and runs only against request paths.
    // eslint-disable-next-line security/detect-non-literal-regexp
    return new RegExp(source);
  } catch (error) {
    return error as Error;
  }
}

function decode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidRequest('Invalid id in the request URL');
  }
}

function methodNotAllowed(method: string, path: string, allowed: readonly string[]): StripeApiError {
  return new StripeApiError(405, { type: 'invalid_request_error', message: `${path} does not take ${method}; it takes ${allowed.join(' or ')}.` }, false, {
    Allow: allowed.join(', '),
  });
}
