import type Stripe from 'stripe';
import { StripeApiError, docUrl, invalidRequest, noSuchObject, unexpectedState } from './errors';
import { applyMetadata, type Parameters } from './form';
import { randomToken, stripeId } from './ids';
import { createdFilter, page } from './lists';

/**
 * Stripe's own type of an object, cut to what the stand-in plays: the fields `Played` with Stripe's types, except
 * those in `Narrowed`, where the stand-in always holds one shape of Stripe's type (an id, never an expanded object;
 * some fields of a nested object). A narrowing that is not a shape of Stripe's field fails the type check, so the
 * stand-in cannot answer what the SDK would not parse.
 */
type Played<T, K extends keyof T, Narrowed extends { [P in keyof Narrowed]: P extends K ? ShapeOf<T[P]> : never } = Record<never, never>> = Omit<
  Pick<T, K>,
  keyof Narrowed
> &
  Narrowed;

/** A value of type T, or of T with some nested fields left out. */
type ShapeOf<T> = T extends object ? { [F in keyof T]?: ShapeOf<T[F]> } : T;

export type PaymentIntentStatus = Stripe.PaymentIntent.Status;

/** The decline a confirmation reports, in the PaymentIntent's last_payment_error and in the 402 answer alike. */
type CardErrorDetails = Played<
  Stripe.PaymentIntent.LastPaymentError,
  'type' | 'code' | 'decline_code' | 'message' | 'charge' | 'doc_url',
  { type: 'card_error'; code: string; message: string; charge: string; doc_url: string }
>;

export type PaymentIntent = Played<
  Stripe.PaymentIntent,
  | 'id'
  | 'object'
  | 'amount'
  | 'amount_capturable'
  | 'amount_received'
  | 'automatic_payment_methods'
  | 'canceled_at'
  | 'cancellation_reason'
  | 'capture_method'
  | 'client_secret'
  | 'confirmation_method'
  | 'created'
  | 'currency'
  | 'customer'
  | 'description'
  | 'last_payment_error'
  | 'latest_charge'
  | 'livemode'
  | 'metadata'
  | 'next_action'
  | 'payment_method'
  | 'payment_method_types'
  | 'receipt_email'
  | 'statement_descriptor'
  | 'statement_descriptor_suffix'
  | 'status',
  {
    /** The stand-in has no customers. */
    customer: null;
    client_secret: string;
    /** Ids; `expand[]` expands them in an answer only (expandPaymentIntent). */
    latest_charge: string | null;
    payment_method: string | null;
    last_payment_error: (CardErrorDetails & { payment_method: PaymentMethod }) | null;
  }
>;

/** A Customer: Stockade creates none, but a dashboard user (or a test) may; erasure deletes those with the customer's e-mail. */
export type Customer = Played<Stripe.Customer, 'id' | 'object' | 'created' | 'email' | 'name' | 'description' | 'livemode' | 'metadata'>;

export type PaymentMethod = Played<
  Stripe.PaymentMethod,
  'id' | 'object' | 'type' | 'card' | 'billing_details' | 'created' | 'customer' | 'livemode' | 'metadata',
  {
    type: 'card';
    card: Pick<Stripe.PaymentMethod.Card, 'brand' | 'last4' | 'funding' | 'exp_month' | 'exp_year' | 'country'>;
    billing_details: Pick<Stripe.PaymentMethod.BillingDetails, 'address' | 'email' | 'name' | 'phone'>;
    customer: null;
  }
>;

export type Charge = Played<
  Stripe.Charge,
  | 'id'
  | 'object'
  | 'amount'
  | 'amount_captured'
  | 'amount_refunded'
  | 'captured'
  | 'created'
  | 'currency'
  | 'description'
  | 'failure_code'
  | 'failure_message'
  | 'livemode'
  | 'metadata'
  | 'outcome'
  | 'paid'
  | 'payment_intent'
  | 'payment_method'
  | 'payment_method_details'
  | 'refunded'
  | 'status',
  {
    /** An id, never expanded. */
    payment_intent: string;
    outcome: Pick<Stripe.Charge.Outcome, 'type' | 'network_status' | 'reason' | 'risk_level' | 'seller_message'>;
    payment_method_details: { type: 'card'; card: Pick<Stripe.Charge.PaymentMethodDetails.Card, 'brand' | 'last4' | 'funding'> };
  }
>;

export type Refund = Played<
  Stripe.Refund,
  'id' | 'object' | 'amount' | 'balance_transaction' | 'charge' | 'created' | 'currency' | 'metadata' | 'payment_intent' | 'reason' | 'status',
  {
    /** Ids, never expanded: the stand-in refunds a PaymentIntent's charge only. */
    charge: string;
    payment_intent: string;
  }
>;

export type StripeEvent = Played<
  Stripe.EventBase,
  'id' | 'object' | 'api_version' | 'created' | 'data' | 'livemode' | 'pending_webhooks' | 'request' | 'type',
  {
    /** The object as it was when the event happened. */
    data: { object: PaymentIntent | Charge | Refund };
    /** Every event of the stand-in comes from an API request. */
    request: Stripe.Event.Request;
  }
>;

/** The PaymentIntent an event concerns: its own object, or the payment its charge or refund belongs to. */
export function paymentIntentOf(event: StripeEvent): string {
  const object = event.data.object;
  return object.object === 'payment_intent' ? object.id : object.payment_intent;
}

/** The API request an operation runs for; its events name it, as Stripe's do. */
export interface RequestContext {
  readonly requestId: string;
  readonly idempotencyKey: string | null;
  readonly apiVersion: string;
}

type CardOutcome = { kind: 'succeed' } | { kind: 'authenticate' } | { kind: 'decline'; code: string; declineCode?: string; message: string };
interface TestCard {
  brand: string;
  last4: string;
  funding: 'credit' | 'debit';
  outcome: CardOutcome;
}

const DECLINED = 'Your card was declined.';
/** Stripe's test PaymentMethod tokens (https://docs.stripe.com/testing) and what confirming with each does. */
export const TEST_PAYMENT_METHODS: Readonly<Record<string, TestCard>> = {
  pm_card_visa: { brand: 'visa', last4: '4242', funding: 'credit', outcome: { kind: 'succeed' } },
  pm_card_visa_debit: { brand: 'visa', last4: '5556', funding: 'debit', outcome: { kind: 'succeed' } },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', funding: 'credit', outcome: { kind: 'succeed' } },
  pm_card_amex: { brand: 'amex', last4: '8431', funding: 'credit', outcome: { kind: 'succeed' } },
  pm_card_chargeDeclined: {
    brand: 'visa',
    last4: '0002',
    funding: 'credit',
    outcome: { kind: 'decline', code: 'card_declined', declineCode: 'generic_decline', message: DECLINED },
  },
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    funding: 'credit',
    outcome: { kind: 'decline', code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  },
  pm_card_chargeDeclinedLostCard: {
    brand: 'visa',
    last4: '9987',
    funding: 'credit',
    outcome: { kind: 'decline', code: 'card_declined', declineCode: 'lost_card', message: DECLINED },
  },
  pm_card_chargeDeclinedStolenCard: {
    brand: 'visa',
    last4: '9979',
    funding: 'credit',
    outcome: { kind: 'decline', code: 'card_declined', declineCode: 'stolen_card', message: DECLINED },
  },
  pm_card_chargeDeclinedExpiredCard: {
    brand: 'visa',
    last4: '0069',
    funding: 'credit',
    outcome: { kind: 'decline', code: 'expired_card', message: 'Your card has expired.' },
  },
  pm_card_chargeDeclinedIncorrectCvc: {
    brand: 'visa',
    last4: '0127',
    funding: 'credit',
    outcome: { kind: 'decline', code: 'incorrect_cvc', message: "Your card's security code is incorrect." },
  },
  pm_card_chargeDeclinedProcessingError: {
    brand: 'visa',
    last4: '0119',
    funding: 'credit',
    outcome: { kind: 'decline', code: 'processing_error', message: 'An error occurred while processing your card. Try again in a little bit.' },
  },
  pm_card_authenticationRequired: { brand: 'visa', last4: '3184', funding: 'credit', outcome: { kind: 'authenticate' } },
  pm_card_threeDSecure2Required: { brand: 'visa', last4: '3220', funding: 'credit', outcome: { kind: 'authenticate' } },
};

const MAX_AMOUNT = 99_999_999;
const CANCELABLE: readonly PaymentIntentStatus[] = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];
const CONFIRMABLE: readonly PaymentIntentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
/** Amount, currency and payment method may change only before the payment went through. */
const AMOUNT_UPDATABLE: readonly PaymentIntentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const PAYMENT_INTENT_EXPANSIONS = ['latest_charge', 'payment_method'] as const;

/**
 * One Stripe test-mode account held in memory: PaymentIntents, the charges and PaymentMethods confirming them
 * creates, refunds, and the events every state change emits (handed to `publish` for webhook delivery).
 * Operations take the request's parameters and answer Stripe's JSON objects or throw StripeApiError.
 */
export class StripeAccount {
  private readonly paymentIntents = new Map<string, PaymentIntent>();
  private readonly charges = new Map<string, Charge>();
  private readonly paymentMethods = new Map<string, PaymentMethod>();
  /** The test card behind each PaymentMethod made from a test token. */
  private readonly cards = new Map<string, TestCard>();
  private readonly refunds = new Map<string, Refund>();
  private readonly events = new Map<string, StripeEvent>();
  private readonly customers = new Map<string, Customer>();

  constructor(
    private readonly nowMs: () => number,
    /** Receives every event once it is recorded, with the id of the PaymentIntent it concerns. */
    private readonly publish: (event: StripeEvent, paymentIntentId: string) => void,
  ) {}

  counts(): { paymentIntents: number; events: number; refunds: number } {
    return { paymentIntents: this.paymentIntents.size, events: this.events.size, refunds: this.refunds.size };
  }

  /** Every PaymentIntent, oldest first (copies). */
  allPaymentIntents(): PaymentIntent[] {
    return [...this.paymentIntents.values()].map((pi) => structuredClone(pi));
  }

  /** Every event, oldest first (copies). */
  allEvents(): StripeEvent[] {
    return [...this.events.values()].map((e) => structuredClone(e));
  }

  event(id: string): StripeEvent | undefined {
    return this.events.get(id);
  }

  createPaymentIntent(p: Parameters, ctx: RequestContext): unknown {
    p.only([
      'amount',
      'currency',
      'metadata',
      'description',
      'payment_method_types',
      'automatic_payment_methods',
      'capture_method',
      'confirm',
      'payment_method',
      'receipt_email',
      'statement_descriptor',
      'statement_descriptor_suffix',
      'return_url',
      'expand',
    ]);
    const amount = p.integer('amount', { required: true }) as number;
    checkAmount(amount);
    const currency = readCurrency(p, true) as string;
    const methods = readPaymentMethodTypes(p);
    const metadata = applyMetadata({}, p.metadata());
    const confirm = p.boolean('confirm') ?? false;
    const paymentMethodRef = p.string('payment_method') || undefined;
    if (confirm && !paymentMethodRef) throw missingPaymentMethod();
    const captureMethod = p.oneOf('capture_method', ['automatic', 'automatic_async', 'manual'] as const) ?? 'automatic_async';
    const description = p.nullableString('description', 1000) ?? null;
    const receiptEmail = p.nullableString('receipt_email', 800) ?? null;
    const descriptor = p.nullableString('statement_descriptor', 22) ?? null;
    const suffix = p.nullableString('statement_descriptor_suffix', 22) ?? null;
    const expand = readExpand(p, PAYMENT_INTENT_EXPANSIONS);
    p.string('return_url', { maxLength: 5000 });
    // Last, because a test token makes a PaymentMethod: a request refused above leaves nothing behind.
    const paymentMethod = paymentMethodRef ? this.paymentMethodFor(paymentMethodRef) : undefined;

    const id = stripeId('pi');
    const pi: PaymentIntent = {
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      automatic_payment_methods: methods.automatic,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: captureMethod,
      client_secret: `${id}_secret_${randomToken(25)}`,
      confirmation_method: 'automatic',
      created: this.seconds(),
      currency,
      customer: null,
      description,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata,
      next_action: null,
      payment_method: paymentMethod?.id ?? null,
      payment_method_types: methods.types,
      receipt_email: receiptEmail,
      statement_descriptor: descriptor,
      statement_descriptor_suffix: suffix,
      status: paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
    };
    this.paymentIntents.set(id, pi);
    this.emit('payment_intent.created', pi, pi.id, ctx);
    if (confirm && paymentMethod) this.confirm(pi, paymentMethod, ctx, expand);
    return this.expandPaymentIntent(pi, expand);
  }

  retrievePaymentIntent(id: string, p: Parameters): unknown {
    p.only(['expand', 'client_secret']);
    const pi = this.paymentIntent(id);
    const secret = p.string('client_secret');
    if (secret !== undefined && secret !== pi.client_secret)
      throw invalidRequest('The client_secret provided does not match the client_secret associated with the PaymentIntent.', 'client_secret');
    return this.expandPaymentIntent(pi, readExpand(p, PAYMENT_INTENT_EXPANSIONS));
  }

  updatePaymentIntent(id: string, p: Parameters): unknown {
    p.only([
      'amount',
      'currency',
      'metadata',
      'description',
      'payment_method',
      'payment_method_types',
      'capture_method',
      'receipt_email',
      'statement_descriptor',
      'statement_descriptor_suffix',
      'expand',
    ]);
    const pi = this.paymentIntent(id);
    if (pi.status === 'canceled') throw unexpectedState(`This PaymentIntent could not be updated because it has a status of canceled.`);
    for (const field of ['amount', 'currency', 'payment_method', 'payment_method_types', 'capture_method'] as const) {
      if (p.has(field) && !AMOUNT_UPDATABLE.includes(pi.status)) {
        throw unexpectedState(
          `This PaymentIntent's ${field} could not be updated because it has a status of ${pi.status}. You may only update the ${field} of a PaymentIntent with one of the following statuses: ${AMOUNT_UPDATABLE.join(', ')}.`,
        );
      }
    }
    const amount = p.integer('amount');
    if (amount !== undefined) checkAmount(amount);
    const currency = readCurrency(p, false);
    const types = p.stringArray('payment_method_types');
    if (types) checkPaymentMethodTypes(types);
    const captureMethod = p.oneOf('capture_method', ['automatic', 'automatic_async', 'manual'] as const);
    const paymentMethodRef = p.string('payment_method');
    const metadata = applyMetadata(pi.metadata, p.metadata());
    const description = p.nullableString('description', 1000);
    const receiptEmail = p.nullableString('receipt_email', 800);
    const descriptor = p.nullableString('statement_descriptor', 22);
    const suffix = p.nullableString('statement_descriptor_suffix', 22);
    const expand = readExpand(p, PAYMENT_INTENT_EXPANSIONS);
    const paymentMethod = paymentMethodRef ? this.paymentMethodFor(paymentMethodRef) : undefined;

    // Everything was validated above, so a refused update changes nothing.
    if (amount !== undefined) pi.amount = amount;
    if (currency !== undefined) pi.currency = currency;
    if (types) pi.payment_method_types = types;
    if (captureMethod) pi.capture_method = captureMethod;
    pi.metadata = metadata;
    if (description !== undefined) pi.description = description;
    if (receiptEmail !== undefined) pi.receipt_email = receiptEmail;
    if (descriptor !== undefined) pi.statement_descriptor = descriptor;
    if (suffix !== undefined) pi.statement_descriptor_suffix = suffix;
    if (paymentMethodRef !== undefined) {
      pi.payment_method = paymentMethod?.id ?? null;
      pi.next_action = null;
      pi.status = paymentMethod ? 'requires_confirmation' : 'requires_payment_method';
    }
    return this.expandPaymentIntent(pi, expand);
  }

  confirmPaymentIntent(id: string, p: Parameters, ctx: RequestContext): unknown {
    p.only(['payment_method', 'return_url', 'receipt_email', 'capture_method', 'expand', 'client_secret']);
    const pi = this.paymentIntent(id);
    const secret = p.string('client_secret');
    if (secret !== undefined && secret !== pi.client_secret)
      throw invalidRequest('The client_secret provided does not match the client_secret associated with the PaymentIntent.', 'client_secret');
    if (!CONFIRMABLE.includes(pi.status)) {
      throw unexpectedState(
        `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(', ')}.`,
      );
    }
    const ref = p.string('payment_method') || pi.payment_method;
    if (!ref) throw missingPaymentMethod();
    const captureMethod = p.oneOf('capture_method', ['automatic', 'automatic_async', 'manual'] as const);
    const receiptEmail = p.nullableString('receipt_email', 800);
    p.string('return_url', { maxLength: 5000 });
    const expand = readExpand(p, PAYMENT_INTENT_EXPANSIONS);
    const paymentMethod = this.paymentMethodFor(ref);
    if (captureMethod) pi.capture_method = captureMethod;
    if (receiptEmail !== undefined) pi.receipt_email = receiptEmail;
    this.confirm(pi, paymentMethod, ctx, expand);
    return this.expandPaymentIntent(pi, expand);
  }

  capturePaymentIntent(id: string, p: Parameters, ctx: RequestContext): unknown {
    p.only(['amount_to_capture', 'metadata', 'expand']);
    const pi = this.paymentIntent(id);
    if (pi.status !== 'requires_capture') {
      throw unexpectedState(
        `This PaymentIntent could not be captured because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
      );
    }
    const amount = p.integer('amount_to_capture', { min: 1 }) ?? pi.amount_capturable;
    if (amount > pi.amount_capturable)
      throw invalidRequest(`The amount to capture (${amount}) is greater than the amount capturable (${pi.amount_capturable}).`, 'amount_to_capture');
    const metadata = applyMetadata(pi.metadata, p.metadata());
    const expand = readExpand(p, PAYMENT_INTENT_EXPANSIONS);
    const charge = this.charges.get(pi.latest_charge as string) as Charge;
    charge.captured = true;
    charge.amount_captured = amount;
    // The part of the authorisation not captured is released, which Stripe shows as refunded.
    charge.amount_refunded = charge.amount - amount;
    pi.metadata = metadata;
    pi.amount_received = amount;
    pi.amount_capturable = 0;
    pi.status = 'succeeded';
    this.emit('charge.captured', charge, pi.id, ctx);
    this.emit('payment_intent.succeeded', pi, pi.id, ctx);
    return this.expandPaymentIntent(pi, expand);
  }

  cancelPaymentIntent(id: string, p: Parameters, ctx: RequestContext): unknown {
    p.only(['cancellation_reason', 'expand']);
    const pi = this.paymentIntent(id);
    if (!CANCELABLE.includes(pi.status)) {
      throw unexpectedState(
        `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
      );
    }
    const reason = p.oneOf('cancellation_reason', ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const);
    const expand = readExpand(p, PAYMENT_INTENT_EXPANSIONS);
    if (pi.status === 'requires_capture') {
      // Canceling an uncaptured payment releases the authorisation: the charge shows as fully refunded.
      const charge = this.charges.get(pi.latest_charge as string) as Charge;
      charge.amount_refunded = charge.amount;
      charge.refunded = true;
      pi.amount_capturable = 0;
    }
    pi.status = 'canceled';
    pi.canceled_at = this.seconds();
    pi.cancellation_reason = reason ?? null;
    pi.next_action = null;
    this.emit('payment_intent.canceled', pi, pi.id, ctx);
    return this.expandPaymentIntent(pi, expand);
  }

  /** Newest first; `created` narrows to a time range. */
  listPaymentIntents(p: Parameters): Stripe.ApiList<PaymentIntent> {
    p.only(['limit', 'starting_after', 'ending_before', 'created', 'expand']);
    readExpand(p, []);
    return page([...this.paymentIntents.values()].reverse(), p, '/v1/payment_intents', 'payment_intent', createdFilter(p));
  }

  retrieveCharge(id: string, p: Parameters): Charge {
    p.only(['expand']);
    readExpand(p, []);
    const charge = this.charges.get(id);
    if (!charge) throw noSuchObject('charge', id, 'id');
    return charge;
  }

  retrievePaymentMethod(id: string, p: Parameters): PaymentMethod {
    p.only(['expand']);
    readExpand(p, []);
    const paymentMethod = this.paymentMethods.get(id);
    if (!paymentMethod) throw noSuchObject('PaymentMethod', id, 'payment_method');
    return paymentMethod;
  }

  createRefund(p: Parameters, ctx: RequestContext): Refund {
    p.only(['payment_intent', 'charge', 'amount', 'reason', 'metadata', 'expand']);
    const piId = p.string('payment_intent');
    const chargeId = p.string('charge');
    if (!piId && !chargeId)
      throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.', 'payment_intent', 'parameter_missing');
    let charge: Charge | undefined;
    if (piId) {
      const pi = this.paymentIntents.get(piId);
      if (!pi) throw noSuchObject('payment_intent', piId, 'payment_intent', 400);
      if (pi.status !== 'succeeded') throw invalidRequest(`This PaymentIntent (${piId}) does not have a successful charge to refund.`, 'payment_intent');
      charge = this.charges.get(pi.latest_charge as string);
    } else {
      charge = this.charges.get(chargeId as string);
      if (!charge) throw noSuchObject('charge', chargeId as string, 'charge', 400);
    }
    if (!charge || charge.status !== 'succeeded' || !charge.captured)
      throw invalidRequest('This charge has not been captured and cannot be refunded.', 'charge');
    // amount_refunded also counts the uncaptured part released at a partial capture; only captured money is refundable.
    const refundable = charge.amount - charge.amount_refunded;
    if (refundable <= 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, undefined, 'charge_already_refunded');
    const amount = p.integer('amount', { min: 1 }) ?? refundable;
    if (amount > refundable) {
      throw invalidRequest(
        `Refund amount (${amount} ${charge.currency}) is greater than unrefunded amount on charge (${refundable} ${charge.currency})`,
        'amount',
        'amount_too_large',
      );
    }
    const reason = p.oneOf('reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const) ?? null;
    const metadata = applyMetadata({}, p.metadata());
    readExpand(p, []);
    const refund: Refund = {
      id: stripeId('re'),
      object: 'refund',
      amount,
      balance_transaction: null,
      charge: charge.id,
      created: this.seconds(),
      currency: charge.currency,
      metadata,
      payment_intent: charge.payment_intent,
      reason,
      status: 'succeeded',
    };
    this.refunds.set(refund.id, refund);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded >= charge.amount;
    this.emit('refund.created', refund, charge.payment_intent, ctx);
    this.emit('charge.refunded', charge, charge.payment_intent, ctx);
    return refund;
  }

  /**
   * Newest first; `payment_intent` or `charge` narrow to one payment (an id that does not exist is a 400
   * resource_missing rather than an empty list that would hide a typo), `created` to a time range.
   */
  listRefunds(p: Parameters): Stripe.ApiList<Refund> {
    p.only(['limit', 'starting_after', 'ending_before', 'payment_intent', 'charge', 'created', 'expand']);
    readExpand(p, []);
    const piId = p.string('payment_intent');
    const chargeId = p.string('charge');
    if (piId !== undefined && !this.paymentIntents.has(piId)) throw noSuchObject('payment_intent', piId, 'payment_intent', 400);
    if (chargeId !== undefined && !this.charges.has(chargeId)) throw noSuchObject('charge', chargeId, 'charge', 400);
    const created = createdFilter(p);
    return page(
      [...this.refunds.values()].reverse(),
      p,
      '/v1/refunds',
      'refund',
      (refund) => (piId === undefined || refund.payment_intent === piId) && (chargeId === undefined || refund.charge === chargeId) && created(refund),
    );
  }

  retrieveRefund(id: string, p: Parameters): Refund {
    p.only(['expand']);
    readExpand(p, []);
    const refund = this.refunds.get(id);
    if (!refund) throw noSuchObject('refund', id, 'id');
    return refund;
  }

  createCustomer(p: Parameters): Customer {
    p.only(['email', 'name', 'description', 'metadata', 'expand']);
    readExpand(p, []);
    const customer: Customer = {
      id: stripeId('cus'),
      object: 'customer',
      created: Math.floor(this.nowMs() / 1000),
      email: p.string('email', { maxLength: 512 }) ?? null,
      name: p.string('name', { maxLength: 256 }) ?? null,
      description: p.string('description', { maxLength: 350 }) ?? null,
      livemode: false,
      metadata: applyMetadata({}, p.metadata()),
    };
    this.customers.set(customer.id, customer);
    return customer;
  }

  retrieveCustomer(id: string, p: Parameters): Customer | Stripe.DeletedCustomer {
    p.only(['expand']);
    readExpand(p, []);
    const customer = this.customers.get(id);
    if (!customer) throw noSuchObject('customer', id, 'id');
    return customer;
  }

  /** Newest first; `email` narrows to exact (case-sensitive, as Stripe's) matches, `created` to a time range. */
  listCustomers(p: Parameters): Stripe.ApiList<Customer> {
    p.only(['limit', 'starting_after', 'ending_before', 'email', 'created', 'expand']);
    readExpand(p, []);
    const email = p.string('email', { maxLength: 512 });
    const created = createdFilter(p);
    return page([...this.customers.values()].reverse(), p, '/v1/customers', 'customer', (c) => (email === undefined || c.email === email) && created(c));
  }

  /** Deletes the customer for good: a second delete, like a retrieve, answers resource_missing, as Stripe does. */
  deleteCustomer(id: string, p: Parameters): Stripe.DeletedCustomer {
    p.only([]);
    if (!this.customers.delete(id)) throw noSuchObject('customer', id, 'id');
    return { id, object: 'customer', deleted: true };
  }

  retrieveEvent(id: string, p: Parameters): StripeEvent {
    p.only(['expand']);
    readExpand(p, []);
    const event = this.events.get(id);
    if (!event) throw noSuchObject('event', id, 'id');
    return event;
  }

  /** Newest first; `type` may end in `*` (`payment_intent.*`), `types` lists up to 20 exact types, `created` narrows to a time range. */
  listEvents(p: Parameters): Stripe.ApiList<StripeEvent> {
    p.only(['limit', 'starting_after', 'ending_before', 'type', 'types', 'created', 'expand']);
    readExpand(p, []);
    const type = p.string('type');
    const types = p.stringArray('types');
    if (type !== undefined && types !== undefined)
      throw invalidRequest('You may only specify one of these parameters: type, types.', 'types', 'parameters_exclusive');
    if (types && types.length > 20) throw invalidRequest('You may pass at most 20 types.', 'types');
    const matches = (t: string) => (types ? types.includes(t) : type === undefined || (type.endsWith('*') ? t.startsWith(type.slice(0, -1)) : t === type));
    const created = createdFilter(p);
    return page([...this.events.values()].reverse(), p, '/v1/events', 'event', (e) => matches(e.type) && created(e));
  }

  private confirm(pi: PaymentIntent, paymentMethod: PaymentMethod, ctx: RequestContext, expand: readonly string[]): void {
    const outcome = (this.cards.get(paymentMethod.id) as TestCard).outcome;
    pi.payment_method = paymentMethod.id;
    pi.next_action = null;
    if (outcome.kind === 'authenticate') {
      pi.status = 'requires_action';
      pi.next_action = { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: '' } };
      this.emit('payment_intent.requires_action', pi, pi.id, ctx);
      return;
    }
    const charge = this.charge(pi, paymentMethod, outcome);
    pi.latest_charge = charge.id;
    if (outcome.kind === 'decline') {
      const details: CardErrorDetails = {
        type: 'card_error',
        code: outcome.code,
        ...(outcome.declineCode ? { decline_code: outcome.declineCode } : {}),
        message: outcome.message,
        charge: charge.id,
        doc_url: docUrl(outcome.code),
      };
      pi.status = 'requires_payment_method';
      pi.payment_method = null;
      pi.last_payment_error = { ...details, payment_method: paymentMethod };
      this.emit('charge.failed', charge, pi.id, ctx);
      this.emit('payment_intent.payment_failed', pi, pi.id, ctx);
      // Saved under the idempotency key like a success: the decline happened and is not re-run on retry.
      throw new StripeApiError(402, { ...details, payment_intent: this.expandPaymentIntent(pi, expand), payment_method: paymentMethod }, true);
    }
    pi.last_payment_error = null;
    if (pi.capture_method === 'manual') {
      pi.status = 'requires_capture';
      pi.amount_capturable = pi.amount;
      this.emit('charge.succeeded', charge, pi.id, ctx);
      this.emit('payment_intent.amount_capturable_updated', pi, pi.id, ctx);
    } else {
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
      this.emit('charge.succeeded', charge, pi.id, ctx);
      this.emit('payment_intent.succeeded', pi, pi.id, ctx);
    }
  }

  private charge(pi: PaymentIntent, paymentMethod: PaymentMethod, outcome: CardOutcome): Charge {
    const declined = outcome.kind === 'decline' ? outcome : undefined;
    const captured = !declined && pi.capture_method !== 'manual';
    const charge: Charge = {
      id: stripeId('ch'),
      object: 'charge',
      amount: pi.amount,
      amount_captured: captured ? pi.amount : 0,
      amount_refunded: 0,
      captured,
      created: this.seconds(),
      currency: pi.currency,
      description: pi.description,
      failure_code: declined?.code ?? null,
      failure_message: declined?.message ?? null,
      livemode: false,
      metadata: { ...pi.metadata },
      outcome: declined
        ? {
            type: 'issuer_declined',
            network_status: 'declined_by_network',
            reason: declined.declineCode ?? declined.code,
            risk_level: 'normal',
            seller_message: 'The bank did not return any further details with this decline.',
          }
        : { type: 'authorized', network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.' },
      paid: !declined,
      payment_intent: pi.id,
      payment_method: paymentMethod.id,
      payment_method_details: { type: 'card', card: { brand: paymentMethod.card.brand, last4: paymentMethod.card.last4, funding: paymentMethod.card.funding } },
      refunded: false,
      status: declined ? 'failed' : 'succeeded',
    };
    this.charges.set(charge.id, charge);
    return charge;
  }

  /** A test token (`pm_card_visa`) makes a new PaymentMethod, as Stripe does; a `pm_…` id must be one made before. */
  private paymentMethodFor(ref: string): PaymentMethod {
    const existing = this.paymentMethods.get(ref);
    if (existing) return existing;
    const card = TEST_PAYMENT_METHODS[ref];
    if (!card) throw noSuchObject('PaymentMethod', ref, 'payment_method', 400);
    const paymentMethod: PaymentMethod = {
      id: stripeId('pm'),
      object: 'payment_method',
      type: 'card',
      card: {
        brand: card.brand,
        last4: card.last4,
        funding: card.funding,
        exp_month: 12,
        exp_year: new Date(this.nowMs()).getUTCFullYear() + 3,
        country: 'US',
      },
      billing_details: { address: null, email: null, name: null, phone: null },
      created: this.seconds(),
      customer: null,
      livemode: false,
      metadata: {},
    };
    this.paymentMethods.set(paymentMethod.id, paymentMethod);
    this.cards.set(paymentMethod.id, card);
    return paymentMethod;
  }

  private paymentIntent(id: string): PaymentIntent {
    const pi = this.paymentIntents.get(id);
    if (!pi) throw noSuchObject('payment_intent', id, 'intent');
    return pi;
  }

  private expandPaymentIntent(pi: PaymentIntent, expand: readonly string[]): unknown {
    if (expand.length === 0) return pi;
    return {
      ...pi,
      ...(expand.includes('latest_charge') && pi.latest_charge ? { latest_charge: this.charges.get(pi.latest_charge) } : {}),
      ...(expand.includes('payment_method') && pi.payment_method ? { payment_method: this.paymentMethods.get(pi.payment_method) } : {}),
    };
  }

  private emit(type: Stripe.Event.Type, object: PaymentIntent | Charge | Refund, paymentIntentId: string, ctx: RequestContext): void {
    const event: StripeEvent = {
      id: stripeId('evt'),
      object: 'event',
      api_version: ctx.apiVersion,
      created: this.seconds(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 0,
      request: { id: ctx.requestId, idempotency_key: ctx.idempotencyKey },
      type,
    };
    this.events.set(event.id, event);
    this.publish(event, paymentIntentId);
  }

  private seconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }
}

function checkAmount(amount: number): void {
  if (amount < 1) throw invalidRequest('This value must be greater than or equal to 1.', 'amount', 'parameter_invalid_integer');
  if (amount > MAX_AMOUNT) throw invalidRequest(`Amount must be no more than ${MAX_AMOUNT}`, 'amount', 'amount_too_large');
}

/** Stripe accepts any case and answers lower case. */
function readCurrency(p: Parameters, required: boolean): string | undefined {
  const value = p.string('currency', { required });
  if (value === undefined) return undefined;
  const currency = value.toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) throw invalidRequest(`Invalid currency: ${value}. Stripe currencies are three-letter ISO codes in lower case.`, 'currency');
  return currency;
}

function readPaymentMethodTypes(p: Parameters): { types: string[]; automatic: PaymentIntent['automatic_payment_methods'] } {
  const types = p.stringArray('payment_method_types');
  const automatic = p.hash('automatic_payment_methods');
  if (types && automatic) {
    throw invalidRequest(
      'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.',
      'automatic_payment_methods',
      'parameters_exclusive',
    );
  }
  if (types) {
    checkPaymentMethodTypes(types);
    return { types, automatic: null };
  }
  if (automatic) {
    automatic.only(['enabled', 'allow_redirects']);
    const enabled = automatic.boolean('enabled');
    if (enabled === undefined)
      throw invalidRequest('Missing required param: automatic_payment_methods[enabled].', 'automatic_payment_methods[enabled]', 'parameter_missing');
    const allowRedirects = automatic.oneOf('allow_redirects', ['always', 'never'] as const) ?? 'always';
    return { types: ['card'], automatic: enabled ? { enabled, allow_redirects: allowRedirects } : null };
  }
  // Since API version 2023-08-16 automatic payment methods are on unless payment_method_types is given.
  return { types: ['card'], automatic: { enabled: true, allow_redirects: 'always' } };
}

function checkPaymentMethodTypes(types: readonly string[]): void {
  if (types.length === 0) throw invalidRequest('Invalid array: payment_method_types must not be empty', 'payment_method_types');
  const unsupported = types.find((t) => t !== 'card');
  if (unsupported) {
    throw invalidRequest(
      `The payment method type "${unsupported}" is invalid. The Stripe stand-in supports "card" only.`,
      'payment_method_types',
      'payment_method_invalid_parameter',
    );
  }
}

function missingPaymentMethod(): StripeApiError {
  return invalidRequest(
    "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
    'payment_method',
    'payment_intent_unexpected_state',
  );
}

function readExpand(p: Parameters, allowed: readonly string[]): string[] {
  const expand = p.stringArray('expand') ?? [];
  for (const path of expand) if (!allowed.includes(path)) throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
  return expand;
}
