import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { commitOrder } from '../../shared/domain/orders/saga';
import { metrics } from '../../shared/observability/powertools';
import { now, stockLedger } from '../orders/root';
import { sagaStep, StepInputSchema } from '../../shared/handlers/saga-step-handler';

const deps = { stock: stockLedger(), now };

/** CommitOrder: held stock becomes sold and the order CONFIRMED, in one transaction. */
export const handler = sagaStep('CommitOrder', StepInputSchema, async ({ orderId }) => {
  const result = await commitOrder(deps, orderId);
  metrics.addMetric('OrderConfirmed', MetricUnit.Count, 1);
  return result;
});
