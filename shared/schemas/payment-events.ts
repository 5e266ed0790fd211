import { z } from 'zod';
import type { ProviderEvent } from '../ports/payment-events';

/**
 * Payment provider events: the envelope of a Stripe webhook event as it arrives (checked once its signature is
 * verified, before anything records or queues it) and the ProviderEvent Stockade reduces it to (checked again by the
 * payment events consumer on receive). Stripe adds fields to its objects in any API version, so the Stripe shapes
 * are loose: they require what Stockade reads and let the rest through; ProviderEvent is Stockade's own and strict.
 */

const eventId = z.string().regex(/^evt_[A-Za-z0-9_]{1,250}$/);
const paymentIntentId = z.string().regex(/^pi_[A-Za-z0-9_]{1,250}$/);
/** Any Stripe object id (charges may be ch_ or py_, refunds re_ or pyr_). */
const objectId = z.string().regex(/^[A-Za-z0-9_]{1,255}$/);
const currency = z.string().regex(/^[a-z]{3}$/);
const minorUnits = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const shortText = z.string().min(1).max(255);
/** An expandable reference: the id, or the object with its id, or nothing. */
const paymentIntentReference = z.union([paymentIntentId, z.object({ id: paymentIntentId }).loose()]).nullish();
const metadata = z.record(z.string(), z.string()).nullish();

/** A Stripe event's envelope: `evt_` id, type, creation time and one object in `data.object`. */
export const StripeEventEnvelopeSchema = z
  .object({
    id: eventId,
    object: z.literal('event').optional(),
    type: z.string().regex(/^[a-z][a-z0-9_.]{2,99}$/),
    created: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    data: z.object({ object: z.record(z.string(), z.unknown()) }).loose(),
  })
  .loose();

/** What Stockade reads of a PaymentIntent (never card data). */
export const StripePaymentIntentSchema = z
  .object({
    object: z.literal('payment_intent'),
    id: paymentIntentId,
    status: shortText,
    amount: minorUnits,
    currency,
    metadata,
    last_payment_error: z
      .object({ decline_code: z.string().max(255).nullish(), code: z.string().max(255).nullish() })
      .loose()
      .nullish(),
  })
  .loose();

export const StripeRefundSchema = z
  .object({ object: z.literal('refund'), id: objectId, amount: minorUnits, status: shortText.nullish(), payment_intent: paymentIntentReference, metadata })
  .loose();

export const StripeChargeSchema = z
  .object({ object: z.literal('charge'), id: objectId, amount_refunded: minorUnits, payment_intent: paymentIntentReference })
  .loose();

/** A verified provider event as the payment events queue carries it: exactly ProviderEvent, nothing else. */
export const ProviderEventSchema = z
  .object({
    provider: z.literal('stripe'),
    eventId: eventId,
    type: z.string().min(1).max(100),
    created: z.number().int().min(0),
    objectId: shortText.optional(),
    paymentIntent: z
      .object({ id: paymentIntentId, status: shortText, amount: minorUnits, currency, orderId: shortText.optional(), failureCode: shortText.optional() })
      .strict()
      .optional(),
    charge: z.object({ id: objectId, paymentIntentId: paymentIntentId.optional(), amountRefunded: minorUnits }).strict().optional(),
    refund: z
      .object({ id: objectId, amount: minorUnits, status: shortText, paymentIntentId: paymentIntentId.optional(), orderId: shortText.optional() })
      .strict()
      .optional(),
  })
  .strict() satisfies z.ZodType<ProviderEvent>;
