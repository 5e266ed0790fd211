import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { commitOrder } from '../../shared/domain/orders/saga';
import { metrics } from '../../shared/observability/powertools';
import { CONFIRMATION_SLO } from '../../shared/observability/slo';
import * as z from '../../shared/validation/zod';
import { now, stockLedger } from '../orders/root';
import { sagaStep, StepInputSchema } from '../../shared/handlers/saga-step-handler';

const deps = { stock: stockLedger(), now };

/** The order id, and the payment wait's answer: `paidAt` is when Stockade learned the payment succeeded. */
const CommitInputSchema = z.extend(StepInputSchema, {
  paymentResult: z.optional(z.object({ paidAt: z.optional(z.iso.datetime({ offset: true })) })),
});

/** CommitOrder: held stock becomes sold and the order CONFIRMED, in one transaction. */
export const handler = sagaStep('CommitOrder', CommitInputSchema, async ({ orderId, paymentResult }) => {
  const result = await commitOrder(deps, orderId);
  // The confirmation SLO (shared/observability/slo.ts): every confirmed order, and whether it took too long.
  metrics.addMetric('OrderConfirmed', MetricUnit.Count, 1);
  const paidAt = paymentResult?.paidAt ? Date.parse(paymentResult.paidAt) : undefined;
  if (paidAt !== undefined) {
    metrics.addMetric('OrderConfirmedLate', MetricUnit.Count, deps.now().getTime() - paidAt > CONFIRMATION_SLO.objectiveSeconds * 1000 ? 1 : 0);
  }
  return result;
});
