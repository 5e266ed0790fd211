import Stripe from 'stripe';
import type * as z from '../validation/zod';
import { ValidationError, WebhookSignatureError } from '../domain/errors';

import { zodFieldErrors } from '../http/zod-errors';
import type { ProviderEvent, WebhookVerifier } from '../ports/payment-events';
import { StripeChargeSchema, StripeEventEnvelopeSchema, StripePaymentIntentSchema, StripeRefundSchema } from '../schemas/payment-events';

/** Stripe's signature tolerance: older timestamps are replays. */
const TOLERANCE_SECONDS = 300;
/** Longer than any header Stripe sends (a timestamp and a few signatures, one per active secret). */
const MAX_SIGNATURE_HEADER_LENGTH = 1024;
const MAX_SIGNATURE_PARTS = 16;

/**
 * Verifies Stripe-Signature over the raw body with the official SDK, against every currently accepted signing
 * secret (two during a rotation); `loadSecrets` is a cached Secrets Manager read. Only then is the body read: it must
 * be JSON with a Stripe event's envelope, and the objects Stockade acts on must have the fields it reads.
 * @throws WebhookSignatureError when the header is missing, malformed, stale or matches no secret; ValidationError
 * when a correctly signed body is not a well-formed event (nothing about it is recorded or queued)
 */
export class StripeWebhookVerifier implements WebhookVerifier {
  constructor(private readonly loadSecrets: () => Promise<readonly string[]>) {}

  async verify(rawBody: string, signatureHeader: string | undefined): Promise<ProviderEvent> {
    const signedAt = signedAtOf(signatureHeader);
    // Stripe's SDK bounds only the age; a timestamp far ahead is a replay prepared for later, or a broken clock.
    if (signedAt - Date.now() / 1000 > TOLERANCE_SECONDS)
      throw new WebhookSignatureError(`The Stripe-Signature timestamp is more than ${TOLERANCE_SECONDS} s ahead of now`);
    const secrets = await this.loadSecrets();
    if (!secrets.some((secret) => signedWith(rawBody, signatureHeader as string, secret))) {
      throw new WebhookSignatureError('The Stripe signature does not match the body, is stale, or was made with an unknown secret');
    }
    return providerEventOf(rawBody);
  }
}

/**
 * Stripe's scheme is `t=<unix seconds>,v1=<64 hex>[,v1=…][,v0=…]`; returns the timestamp. The SDK's own parser throws plain errors on some
 * malformed headers (an empty v1, say), which would surface as 500s; anything not of this shape is refused first.
 */
function signedAtOf(header: string | undefined): number {
  if (!header) throw new WebhookSignatureError('Missing Stripe-Signature header');
  const parts = header.split(',');
  if (header.length > MAX_SIGNATURE_HEADER_LENGTH || parts.length > MAX_SIGNATURE_PARTS)
    throw new WebhookSignatureError('The Stripe-Signature header is too long');
  let timestamps = 0;
  let signatures = 0;
  let signedAt = 0;
  for (const part of parts) {
    const match = /^([a-z][a-z0-9]{0,9})=([^=,\s]+)$/.exec(part);
    if (!match) throw new WebhookSignatureError('The Stripe-Signature header is malformed');
    const [, scheme, value] = match as unknown as [string, string, string];
    if (scheme === 't') {
      if (!/^\d{1,12}$/.test(value)) throw new WebhookSignatureError('The Stripe-Signature timestamp is not unix seconds');
      timestamps++;
      signedAt = Number(value);
    } else if (scheme === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) throw new WebhookSignatureError('A Stripe-Signature v1 value is not 64 hex characters');
      signatures++;
    }
  }
  if (timestamps !== 1 || signatures === 0) throw new WebhookSignatureError('The Stripe-Signature header needs one t= and at least one v1=');
  return signedAt;
}

function signedWith(rawBody: string, header: string, secret: string): boolean {
  try {
    return Stripe.webhooks.signature?.verifyHeader(rawBody, header, secret, TOLERANCE_SECONDS) === true;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) return false;
    throw error;
  }
}

/** The verified body as a ProviderEvent, or ValidationError naming the fields at fault (never quoting the body). */
function providerEventOf(rawBody: string): ProviderEvent {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new ValidationError('The event is not valid JSON');
  }
  const event = parsed(StripeEventEnvelopeSchema, json, 'body');
  const object = event.data.object;
  const objectId = typeof object.id === 'string' && object.id.length > 0 && object.id.length <= 255 ? object.id : undefined;
  return {
    provider: 'stripe',
    eventId: event.id,
    type: event.type,
    created: event.created,
    ...(objectId ? { objectId } : {}),
    ...(object.object === 'payment_intent' ? { paymentIntent: paymentIntentFacts(parsed(StripePaymentIntentSchema, object, 'body.data.object')) } : {}),
    ...(object.object === 'refund' ? { refund: refundFacts(parsed(StripeRefundSchema, object, 'body.data.object')) } : {}),
    ...(object.object === 'charge' ? { charge: chargeFacts(parsed(StripeChargeSchema, object, 'body.data.object')) } : {}),
  };
}

function parsed<S extends z.ZodMiniType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError('The event is not a well-formed Stripe event', zodFieldErrors(result.error, where));
  return result.data;
}

function paymentIntentFacts(pi: z.infer<typeof StripePaymentIntentSchema>): NonNullable<ProviderEvent['paymentIntent']> {
  const orderId = pi.metadata?.orderId;
  const failureCode = pi.last_payment_error?.decline_code ?? pi.last_payment_error?.code;
  return {
    id: pi.id,
    status: pi.status,
    amount: pi.amount,
    currency: pi.currency,
    ...(typeof orderId === 'string' && orderId.length > 0 && orderId.length <= 255 ? { orderId } : {}),
    ...(failureCode ? { failureCode } : {}),
  };
}

function chargeFacts(charge: z.infer<typeof StripeChargeSchema>): NonNullable<ProviderEvent['charge']> {
  const paymentIntentId = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
  return { id: charge.id, amountRefunded: charge.amount_refunded, ...(paymentIntentId ? { paymentIntentId } : {}) };
}

function refundFacts(refund: z.infer<typeof StripeRefundSchema>): NonNullable<ProviderEvent['refund']> {
  const paymentIntentId = typeof refund.payment_intent === 'string' ? refund.payment_intent : refund.payment_intent?.id;
  const orderId = refund.metadata?.orderId;
  return {
    id: refund.id,
    amount: refund.amount,
    status: refund.status ?? 'pending',
    ...(paymentIntentId ? { paymentIntentId } : {}),
    ...(typeof orderId === 'string' && orderId.length > 0 && orderId.length <= 255 ? { orderId } : {}),
  };
}
