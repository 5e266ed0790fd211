import { sqsBatchHandler } from '../../shared/handlers/sqs-batch-handler';
import { receiveChargeRefunded, receiveProviderRefund } from '../../shared/domain/orders/refund';
import { receivePaymentOutcome } from '../../shared/domain/orders/saga';
import { applyPaymentEvent } from '../../shared/domain/payments/receive-webhook';
import { logger } from '../../shared/observability/powertools';
import { ProviderEventSchema } from '../../shared/schemas/payment-events';
import { now, paymentEventLedger, paymentOutcomeDeps } from './root';

const payment = paymentOutcomeDeps();
const deps = {
  ledger: paymentEventLedger(),
  now,
  onPaymentOutcome: (orderId: string, outcome: Parameters<typeof receivePaymentOutcome>[2]) => receivePaymentOutcome(payment, orderId, outcome),
  onRefund: (refund: Parameters<typeof receiveProviderRefund>[1]) => receiveProviderRefund(payment, refund),
  onChargeRefunded: (charge: Parameters<typeof receiveChargeRefunded>[1]) => receiveChargeRefunded(payment, charge),
};

/**
 * Consumer of the payment events queue: applies each verified provider event once, in order per PaymentIntent (FIFO:
 * a failed event holds back only the rest of its own PaymentIntent's group). A message that is not a ProviderEvent
 * goes straight to the DLQ.
 */
export const handler = sqsBatchHandler({
  queue: 'fifo',
  schema: ProviderEventSchema,
  handle: async (event) => {
    const effect = await applyPaymentEvent(deps, event);
    logger.info('Payment event applied', { eventId: event.eventId, type: event.type, effect });
  },
});
