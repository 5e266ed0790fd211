import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { receiveChargeRefunded, receiveProviderRefund } from '../../shared/domain/orders/refund';
import { receivePaymentOutcome } from '../../shared/domain/orders/saga';
import { applyPaymentEvent } from '../../shared/domain/payments/receive-webhook';
import type { ProviderEvent } from '../../shared/ports/payment-events';
import { logger } from '../../shared/observability/powertools';
import { now, orderRepository, paymentEventLedger, paymentRecords } from '../saga/saga-deps';
import { paymentGateway } from '../saga/payment-deps';
import { waitingSteps } from '../saga/workflow-deps';

const payment = { orders: orderRepository(), records: paymentRecords(), waits: waitingSteps(), payments: paymentGateway(), now };
const deps = {
  ledger: paymentEventLedger(),
  now,
  onPaymentOutcome: (orderId: string, outcome: Parameters<typeof receivePaymentOutcome>[2]) => receivePaymentOutcome(payment, orderId, outcome),
  onRefund: (refund: Parameters<typeof receiveProviderRefund>[1]) => receiveProviderRefund(payment, refund),
  onChargeRefunded: (charge: Parameters<typeof receiveChargeRefunded>[1]) => receiveChargeRefunded(payment, charge),
};
// FIFO: once a record fails, the rest of its message group in this batch is returned too, so order holds.
const processor = new SqsFifoPartialProcessorAsync();

async function apply(record: SQSRecord): Promise<void> {
  const event = JSON.parse(record.body) as ProviderEvent;
  if (typeof event.eventId !== 'string' || typeof event.type !== 'string') throw new Error(`Message ${record.messageId} is not a provider event`);
  const effect = await applyPaymentEvent(deps, event);
  logger.info('Payment event applied', { eventId: event.eventId, type: event.type, effect });
}

/** Consumer of the payment events queue: applies each verified provider event once, in order per PaymentIntent. */
export const handler = middy((event: SQSEvent) => processPartialResponse(event, apply, processor)).use(injectLambdaContext(logger, { resetKeys: true }));
