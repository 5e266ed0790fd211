import type { PaymentEventLedger, ProviderEvent, WebhookVerifier } from '../../ports/payment-events';
import type { PaymentOutcome } from '../orders/order';

const OUTCOME_BY_TYPE: Readonly<Record<string, PaymentOutcome['kind']>> = {
  'payment_intent.succeeded': 'succeeded',
  'payment_intent.payment_failed': 'failed',
  'payment_intent.canceled': 'canceled',
};

/** The order and payment outcome a provider event reports, if it is one the order saga waits for. */
export function paymentOutcomeOf(event: ProviderEvent): { orderId: string; outcome: PaymentOutcome } | undefined {
  const kind = OUTCOME_BY_TYPE[event.type];
  const pi = event.paymentIntent;
  if (!kind || !pi?.orderId) return undefined;
  return {
    orderId: pi.orderId,
    outcome: { kind, paymentIntentId: pi.id, amount: pi.amount, currency: pi.currency, ...(kind === 'failed' && pi.failureCode ? { reason: pi.failureCode } : {}) },
  };
}

/**
 * Webhook intake: verify the sender on the raw body, act on the event, then record it. Acting first means a
 * delivery that failed half-way is acted on again when Stripe retries (every effect is idempotent: the outcome is
 * recorded once, a finished wait ignores a second answer); the ledger then keeps each event once. The answer is
 * 2xx only once both are durable.
 */
export async function receiveWebhook(
  deps: {
    verifier: WebhookVerifier;
    ledger: PaymentEventLedger;
    now: () => Date;
    onPaymentOutcome: (orderId: string, outcome: PaymentOutcome) => Promise<string>;
  },
  rawBody: string,
  signatureHeader: string | undefined,
): Promise<{ eventId: string; type: string; duplicate: boolean; effect?: string }> {
  const event = await deps.verifier.verify(rawBody, signatureHeader);
  const payment = paymentOutcomeOf(event);
  const effect = payment ? await deps.onPaymentOutcome(payment.orderId, payment.outcome) : undefined;
  const outcome = await deps.ledger.record(event, deps.now());
  return { eventId: event.eventId, type: event.type, duplicate: outcome === 'duplicate', ...(effect ? { effect } : {}) };
}
