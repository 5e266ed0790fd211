import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { sweepExpiredHolds } from '../../shared/domain/orders/saga';
import { scheduledHandler } from '../../shared/handlers/scheduled-handler';
import { logger, metrics } from '../../shared/observability/powertools';
import { now, orderRepository, paymentGateway, stockLedger, sweepSettings } from './root';

const deps = { stock: stockLedger(), orders: orderRepository(), payments: paymentGateway(), now };
const options = sweepSettings();

/**
 * Scheduled: releases stock holds that outlived their expiry (plus a grace period) because the execution that took
 * them died, and fails their still-open orders with the payment canceled or refunded.
 */
export const handler = scheduledHandler(async () => {
  const result = await sweepExpiredHolds(deps, options);
  metrics.addMetric('ExpiredHoldsReleased', MetricUnit.Count, result.released);
  // Orders still awaiting payment when their hold expired, failed here: their saga execution died (page).
  metrics.addMetric('OrdersStuckPastHold', MetricUnit.Count, result.failedOrders);
  if (result.released > 0) logger.warn('Released expired stock holds', result);
  return result;
});
