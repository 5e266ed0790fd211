import type { Context } from 'aws-lambda';
import * as z from '../validation/zod';
import { SagaError, TransientError } from '../domain/orders/saga-errors';
import { logger } from '../observability/powertools';
import { issuesOf } from '../http/zod-errors';
import { withPowertools } from './powertools';
// Readable stack traces in the logs, paid for at the first logged error rather than at every cold start.
import '../observability/source-mapped-stacks';

/** What every saga step receives from the state machine: at least the order id. */
export const StepInputSchema = z.object({ orderId: z.string().check(z.minLength(1), z.maxLength(64)) });

/**
 * The kit for Step Functions tasks (the order saga's steps): Powertools logger (order id as a key, never the event: it can carry a task
 * token, trace id on every line) and metrics; the input checked with zod. Errors keep their saga name (OutOfStock, PaymentDeclined…)
 * so the state machine's Catch sees it; any other error is logged and becomes TransientError, which the state
 * machine retries a bounded number of times before compensating.
 */
export function sagaStep<S extends z.ZodMiniType<{ orderId: string }>, R>(step: string, schema: S, run: (input: z.infer<S>, context: Context) => Promise<R>) {
  return withPowertools(async (event: unknown, context: Context): Promise<R> => {
    const parsed = schema.safeParse(event);
    if (!parsed.success) throw new SagaError('InvalidOrderState', `${step} received an invalid input: ${issuesOf(parsed.error)}`);
    const { orderId } = parsed.data;
    logger.appendKeys({ orderId, step });
    try {
      const result = await run(parsed.data, context);
      logger.info('Saga step done');
      return result;
    } catch (error) {
      if (error instanceof SagaError) {
        logger.warn('Saga step failed', { errorName: error.name, detail: error.message });
        throw error;
      }
      logger.error('Saga step failed unexpectedly', { error });
      throw new TransientError(`${step} failed unexpectedly; see the function log`);
    }
  });
}
