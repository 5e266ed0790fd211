import Stripe from 'stripe';
import { ValidationError } from '../domain/errors';
import type { ProviderEvent, WebhookVerifier } from '../ports/payment-events';

/** Stripe's signature tolerance: older timestamps are replays. */
const TOLERANCE_SECONDS = 300;

/**
 * Verifies Stripe-Signature over the raw body with the official SDK, against every currently accepted signing
 * secret (two during a rotation); `loadSecrets` is a cached Secrets Manager read.
 */
export class StripeWebhookVerifier implements WebhookVerifier {
  constructor(private readonly loadSecrets: () => Promise<readonly string[]>) {}

  async verify(rawBody: string, signatureHeader: string | undefined): Promise<ProviderEvent> {
    if (!signatureHeader) throw new ValidationError('Missing Stripe-Signature header');
    for (const secret of await this.loadSecrets()) {
      try {
        const event = Stripe.webhooks.constructEvent(rawBody, signatureHeader, secret, TOLERANCE_SECONDS);
        const object = event.data.object as { id?: unknown; object?: unknown };
        return {
          provider: 'stripe',
          eventId: event.id,
          type: event.type,
          created: event.created,
          ...(typeof object.id === 'string' ? { objectId: object.id } : {}),
          ...(object.object === 'payment_intent' ? { paymentIntent: paymentIntentFacts(object as Stripe.PaymentIntent) } : {}),
          ...(object.object === 'refund' ? { refund: refundFacts(object as Stripe.Refund) } : {}),
          ...(object.object === 'charge' ? { charge: chargeFacts(object as Stripe.Charge) } : {}),
        };
      } catch (error) {
        if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) throw error;
      }
    }
    throw new ValidationError('The Stripe signature does not match the body, is stale, or was made with an unknown secret');
  }
}

function paymentIntentFacts(pi: Stripe.PaymentIntent): NonNullable<ProviderEvent['paymentIntent']> {
  const orderId = pi.metadata?.orderId;
  const failureCode = pi.last_payment_error?.decline_code ?? pi.last_payment_error?.code;
  return {
    id: pi.id,
    status: pi.status,
    amount: pi.amount,
    currency: pi.currency,
    ...(typeof orderId === 'string' && orderId.length > 0 ? { orderId } : {}),
    ...(failureCode ? { failureCode } : {}),
  };
}

function chargeFacts(charge: Stripe.Charge): NonNullable<ProviderEvent['charge']> {
  const paymentIntentId = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
  return { id: charge.id, amountRefunded: charge.amount_refunded, ...(paymentIntentId ? { paymentIntentId } : {}) };
}

function refundFacts(refund: Stripe.Refund): NonNullable<ProviderEvent['refund']> {
  const paymentIntentId = typeof refund.payment_intent === 'string' ? refund.payment_intent : refund.payment_intent?.id;
  const orderId = refund.metadata?.orderId;
  return {
    id: refund.id,
    amount: refund.amount,
    status: refund.status ?? 'pending',
    ...(paymentIntentId ? { paymentIntentId } : {}),
    ...(typeof orderId === 'string' && orderId.length > 0 ? { orderId } : {}),
  };
}
