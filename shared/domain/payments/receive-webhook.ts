import type { PaymentEventLedger, PaymentEventQueue, ProviderEvent, WebhookVerifier } from '../../ports/payment-events';
import type { PaymentOutcome } from '../orders/order';
import type { Clock } from '../../ports/clock';

const OUTCOME_BY_TYPE: Readonly<Record<string, PaymentOutcome['kind']>> = {
  'payment_intent.succeeded': 'succeeded',
  'payment_intent.payment_failed': 'failed',
  'payment_intent.canceled': 'canceled',
};
const REFUND_TYPES = ['refund.created', 'refund.updated'] as const;
const CHARGE_REFUNDED = 'charge.refunded';

/**
 * The Stripe event types Stockade acts on: the webhook endpoint subscribes to these and no others (README,
 * "Deploy"; the local runtime subscribes its Stripe stand-in to the same list). Any other type would be recorded,
 * queued and ignored: on the happy path Stripe also sends payment_intent.created and charge.succeeded, and each
 * delivery costs an API request, two invocations, a ledger write and its mark (bench:checkout).
 */
export const STRIPE_WEBHOOK_EVENTS: readonly string[] = [...Object.keys(OUTCOME_BY_TYPE), ...REFUND_TYPES, CHARGE_REFUNDED];

/** The order and payment outcome a provider event reports, if it is one the order saga waits for. */
export function paymentOutcomeOf(event: ProviderEvent): { orderId: string; outcome: PaymentOutcome } | undefined {
  const kind = OUTCOME_BY_TYPE[event.type];
  const pi = event.paymentIntent;
  if (!kind || !pi?.orderId) return undefined;
  return {
    orderId: pi.orderId,
    outcome: {
      kind,
      paymentIntentId: pi.id,
      amount: pi.amount,
      currency: pi.currency,
      ...(kind === 'failed' && pi.failureCode ? { reason: pi.failureCode } : {}),
    },
  };
}

/**
 * Webhook intake, kept fast: verify the sender on the raw body, record the event in the ledger, queue it, answer.
 * A duplicate delivery is queued again too (the queue drops repeats of an event id, and the consumer skips events
 * already applied): so an intake that failed between the ledger and the queue loses nothing when the provider
 * retries. The answer is 2xx only once the event is both recorded and queued.
 */
export async function receiveWebhook(
  deps: { verifier: WebhookVerifier; ledger: PaymentEventLedger; queue: PaymentEventQueue; now: Clock },
  rawBody: string,
  signatureHeader: string | undefined,
): Promise<{ eventId: string; type: string; duplicate: boolean }> {
  const event = await deps.verifier.verify(rawBody, signatureHeader);
  const outcome = await deps.ledger.record(event, deps.now());
  await deps.queue.enqueue(event);
  return { eventId: event.eventId, type: event.type, duplicate: outcome === 'duplicate' };
}

/**
 * The queue consumer's step for one event: an event already applied is skipped; unknown types are acknowledged and
 * ignored; a payment outcome is applied (idempotently) and the event marked applied with what it did.
 */
export async function applyPaymentEvent(
  deps: {
    ledger: PaymentEventLedger;
    now: Clock;
    onPaymentOutcome: (orderId: string, outcome: PaymentOutcome) => Promise<string>;
    onRefund: (refund: NonNullable<ProviderEvent['refund']>) => Promise<string>;
    onChargeRefunded: (charge: NonNullable<ProviderEvent['charge']>) => Promise<string>;
  },
  event: ProviderEvent,
): Promise<string> {
  if (await deps.ledger.processed(event)) return 'already-applied';
  const payment = paymentOutcomeOf(event);
  const isRefund = (REFUND_TYPES as readonly string[]).includes(event.type) && event.refund !== undefined;
  const effect = payment
    ? await deps.onPaymentOutcome(payment.orderId, payment.outcome)
    : isRefund && event.refund
      ? await deps.onRefund(event.refund)
      : event.type === CHARGE_REFUNDED && event.charge
        ? await deps.onChargeRefunded(event.charge)
        : 'ignored';
  await deps.ledger.markProcessed(event, effect, deps.now());
  return effect;
}
