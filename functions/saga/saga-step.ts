import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { SagaError, TransientError } from '../../shared/domain/orders/saga-errors';
import { logger, metrics, tracer } from '../../shared/observability/powertools';

/** What every saga step receives from the state machine: at least the order id. */
export const StepInputSchema = z.object({ orderId: z.string().min(1).max(64) });

/**
 * A saga step as a Lambda handler: Powertools logger (order id as a key, never the event: it can carry a task
 * token), tracer and metrics; the input checked with zod. Errors keep their saga name (OutOfStock, PaymentDeclined…)
 * so the state machine's Catch sees it; any other error is logged and becomes TransientError, which the state
 * machine retries a bounded number of times before compensating.
 */
export function sagaStep<S extends z.ZodType<{ orderId: string }>, R>(step: string, schema: S, run: (input: z.infer<S>, context: Context) => Promise<R>) {
  const core = async (event: unknown, context: Context): Promise<R> => {
    const parsed = schema.safeParse(event);
    if (!parsed.success) throw new SagaError('InvalidOrderState', `${step} received an invalid input: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
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
  };
  return middy(core)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
