import type { APIGatewayAuthorizerResult, Context } from 'aws-lambda';
import * as z from '../validation/zod';
import { logger } from '../observability/powertools';
import { issuesOf } from '../http/zod-errors';
import { withPowertools } from './powertools';
// Readable stack traces in the logs, paid for at the first logged error rather than at every cold start.
import '../observability/source-mapped-stacks';

/** The fields of API Gateway's REQUEST authorizer event an authorizer may read; the rest passes through. */
export const RequestAuthorizerEventSchema = z.looseObject({
  type: z.literal('REQUEST'),
  // Paths may be long (API Gateway passes URLs of up to 8 KB): the route policy decides on the resource, not these.
  methodArn: z.string().check(z.minLength(1)),
  resource: z.string().check(z.minLength(1)),
  httpMethod: z.string().check(z.minLength(1), z.maxLength(16)),
  headers: z.nullish(z.record(z.string(), z.string())),
  requestContext: z.looseObject({
    identity: z.looseObject({ sourceIp: z.string().check(z.maxLength(64)) }),
    requestId: z.optional(z.string().check(z.maxLength(128))),
  }),
});
export type RequestAuthorizerEvent = z.infer<typeof RequestAuthorizerEventSchema>;

/** What API Gateway answers 401 for: an authorizer that fails with exactly this message. */
export const UNAUTHORIZED = 'Unauthorized';

/**
 * The kit for API Gateway Lambda authorizers: the shared observability and the REQUEST event checked. An event that is
 * not one is refused as API Gateway's 401 (never a 500 that any caller could provoke); the authorizer itself throws
 * `new Error(UNAUTHORIZED)` for a caller it cannot identify and returns a Deny policy for one it will not let in.
 */
export function authorizerHandler(authorize: (event: RequestAuthorizerEvent, context: Context) => Promise<APIGatewayAuthorizerResult>) {
  return withPowertools(async (event: unknown, context: Context): Promise<APIGatewayAuthorizerResult> => {
    const parsed = RequestAuthorizerEventSchema.safeParse(event);
    if (!parsed.success) {
      logger.warn('Not a REQUEST authorizer event', { issues: issuesOf(parsed.error) });
      throw new Error(UNAUTHORIZED);
    }
    return authorize(parsed.data, context);
  });
}
