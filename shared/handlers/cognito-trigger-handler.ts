import type { Context } from 'aws-lambda';
import * as z from '../validation/zod';
import { issuesOf } from '../http/zod-errors';
import { withPowertools } from './powertools';
// Readable stack traces in the logs, paid for at the first logged error rather than at every cold start.
import '../observability/source-mapped-stacks';

/**
 * The kit for Cognito user pool triggers: the shared observability and the trigger event checked with `schema` (the
 * fields the trigger reads; Cognito's others pass through). The handler returns the event, with `response` set where
 * the trigger answers something. A thrown error refuses the Cognito operation (sign-up, sign-in) with its message, so
 * messages must be fit for the user and never name internals.
 */
export function cognitoTriggerHandler<S extends z.ZodMiniType<{ triggerSource: string; userPoolId: string; userName: string }>>(
  schema: S,
  handle: (event: z.infer<S>, context: Context) => Promise<z.infer<S>>,
) {
  return withPowertools(async (event: unknown, context: Context): Promise<z.infer<S>> => {
    const parsed = schema.safeParse(event);
    if (!parsed.success) throw new Error(`Not a ${z.globalRegistry.get(schema)?.description ?? 'Cognito trigger'} event: ${issuesOf(parsed.error)}`);
    return handle(parsed.data as z.infer<S>, context);
  });
}
