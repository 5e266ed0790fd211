import type { Context } from 'aws-lambda';
import * as z from '../validation/zod';
import { issuesOf } from '../http/zod-errors';
import { withPowertools } from './powertools';
// Readable stack traces in the logs, paid for at the first logged error rather than at every cold start.
import '../observability/source-mapped-stacks';

/**
 * What a scheduled function accepts: EventBridge's scheduled event, or an operator's manual run (`aws lambda
 * invoke` with a JSON object). Either is an object; a function narrows it with its own schema.
 */
export const ScheduledInputSchema = z.record(z.string(), z.unknown());

/**
 * The kit for scheduled functions (EventBridge rules, manual runs): the shared observability, and the input checked
 * with `schema` (default: any JSON object). A result is returned to the caller (useful for a manual run); a thrown
 * error fails the invocation, which the function's error alarm reports.
 */
export function scheduledHandler<S extends z.ZodMiniType = typeof ScheduledInputSchema, R = unknown>(
  run: (input: z.infer<S>, context: Context) => Promise<R>,
  options: { schema?: S } = {},
) {
  const schema = options.schema ?? ScheduledInputSchema;
  return withPowertools(async (event: unknown, context: Context): Promise<R> => {
    const parsed = schema.safeParse(event ?? {});
    if (!parsed.success) throw new Error(`Not a scheduled run's input: ${issuesOf(parsed.error)}`);
    return run(parsed.data as z.infer<S>, context);
  });
}
