import * as z from '../validation/zod';
import type { ProviderEvent } from '../ports/payment-events';

/**
 * Payment provider events: the envelope of a Stripe webhook event as it arrives (checked once its signature is
 * verified, before anything records or queues it) and the ProviderEvent Stockade reduces it to (checked again by the
 * payment events consumer on receive). Stripe adds fields to its objects in any API version, so the Stripe shapes
 * are loose: they require what Stockade reads and let the rest through; ProviderEvent is Stockade's own and strict.
 */

const eventId = z.string().check(z.regex(/^evt_[A-Za-z0-9_]{1,250}$/));
const paymentIntentId = z.string().check(z.regex(/^pi_[A-Za-z0-9_]{1,250}$/));
/** Any Stripe object id (charges may be ch_ or py_, refunds re_ or pyr_). */
const objectId = z.string().check(z.regex(/^[A-Za-z0-9_]{1,255}$/));
const currency = z.string().check(z.regex(/^[a-z]{3}$/));
const minorUnits = z.number().check(z.int(), z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER));
const shortText = z.string().check(z.minLength(1), z.maxLength(255));
/** An expandable reference: the id, or the object with its id, or nothing. */
const paymentIntentReference = z.nullish(z.union([paymentIntentId, z.looseObject({ id: paymentIntentId })]));
const metadata = z.nullish(z.record(z.string(), z.string()));

/** A Stripe event's envelope: `evt_` id, type, creation time and one object in `data.object`. */
export const StripeEventEnvelopeSchema = z.looseObject({
  id: eventId,
  object: z.optional(z.literal('event')),
  type: z.string().check(z.regex(/^[a-z][a-z0-9_.]{2,99}$/)),
  created: z.number().check(z.int(), z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER)),
  data: z.looseObject({ object: z.record(z.string(), z.unknown()) }),
});

/** What Stockade reads of a PaymentIntent (never card data). */
export const StripePaymentIntentSchema = z.looseObject({
  object: z.literal('payment_intent'),
  id: paymentIntentId,
  status: shortText,
  amount: minorUnits,
  currency,
  metadata,
  last_payment_error: z.nullish(
    z.looseObject({ decline_code: z.nullish(z.string().check(z.maxLength(255))), code: z.nullish(z.string().check(z.maxLength(255))) }),
  ),
});

export const StripeRefundSchema = z.looseObject({
  object: z.literal('refund'),
  id: objectId,
  amount: minorUnits,
  status: z.nullish(shortText),
  payment_intent: paymentIntentReference,
  metadata,
});

export const StripeChargeSchema = z.looseObject({
  object: z.literal('charge'),
  id: objectId,
  amount_refunded: minorUnits,
  payment_intent: paymentIntentReference,
});

/** A verified provider event as the payment events queue carries it: exactly ProviderEvent, nothing else. */
export const ProviderEventSchema = z.strictObject({
  provider: z.literal('stripe'),
  eventId: eventId,
  type: z.string().check(z.minLength(1), z.maxLength(100)),
  created: z.number().check(z.int(), z.minimum(0)),
  objectId: z.optional(shortText),
  paymentIntent: z.optional(
    z.strictObject({
      id: paymentIntentId,
      status: shortText,
      amount: minorUnits,
      currency,
      orderId: z.optional(shortText),
      failureCode: z.optional(shortText),
    }),
  ),
  charge: z.optional(z.strictObject({ id: objectId, paymentIntentId: z.optional(paymentIntentId), amountRefunded: minorUnits })),
  refund: z.optional(
    z.strictObject({ id: objectId, amount: minorUnits, status: shortText, paymentIntentId: z.optional(paymentIntentId), orderId: z.optional(shortText) }),
  ),
}) satisfies z.ZodMiniType<ProviderEvent>;
