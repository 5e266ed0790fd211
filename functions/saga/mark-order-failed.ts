import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { markOrderFailed } from '../../shared/domain/orders/saga';
import { metrics } from '../../shared/observability/powertools';
import { now, orderRepository } from '../orders/root';
import { sagaStep, StepInputSchema } from '../../shared/handlers/saga-step-handler';

const deps = { orders: orderRepository(), now };
const InputSchema = StepInputSchema.extend({
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  payment: z.object({ paymentStatus: z.string().optional() }).optional(),
});

/** MarkOrderFailed (compensation): the order ends FAILED with a reason fit for the customer. */
export const handler = sagaStep('MarkOrderFailed', InputSchema, async ({ orderId, error, payment }) => {
  const result = await markOrderFailed(deps, orderId, error, payment?.paymentStatus);
  // By cause, so a surge of declines tells apart from a surge of stock-outs or internal errors.
  metrics.addDimension('cause', error?.Error ?? 'unknown');
  metrics.addMetric('OrderFailed', MetricUnit.Count, 1);
  return result;
});
