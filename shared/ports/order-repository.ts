import type { OrderPayment, OrderStatus, PaymentOutcome, StoredOrder } from '../domain/model/order';
import type { ListPosition, PositionedPage } from './cursor-codec';

/** The request that created an order, remembered per customer and Idempotency-Key. */
export interface CheckoutKey {
  readonly idempotencyKey: string;
  /** A digest of the request body: the same key with another body is refused. */
  readonly requestHash: string;
}

export type CreateOnceResult = { readonly created: true } | { readonly created: false; readonly orderId: string; readonly requestHash: string };

/** A guarded change of an order's status: applied only while the order is in one of `from`. */
export interface OrderTransition {
  readonly from: readonly OrderStatus[];
  readonly to: OrderStatus;
  readonly at: string;
  readonly failureReason?: string;
  readonly fulfilmentReference?: string;
  readonly paymentStatus?: string;
  /** Only if no fulfilment hand-off has claimed the order (claimFulfilment): a cancellation must not race a shipment. */
  readonly unclaimed?: boolean;
}

export interface OrderRepository {
  /**
   * Writes the order (with its vendor views and first history entry) and the customer's checkout key in one
   * transaction. When the key was used before, nothing is written and the earlier order id is returned.
   */
  createOnce(order: StoredOrder, key: CheckoutKey): Promise<CreateOnceResult>;
  get(orderId: string): Promise<StoredOrder | undefined>;
  /** The customer's orders, newest first. */
  listByCustomer(customerId: string, query: { limit: number; after?: ListPosition }): Promise<PositionedPage<StoredOrder>>;
  /** One page of the orders in `status` created in [from, to] (ISO times), newest first. */
  listByStatus(status: OrderStatus, query: { from: string; to: string; limit: number; after?: ListPosition }): Promise<PositionedPage<StoredOrder>>;
  /** Every order in `status` created in [from, to] (ISO times), page by page, in no particular order. */
  listByStatusCreated(status: OrderStatus, from: string, to: string): AsyncIterable<StoredOrder>;
  /** Applies the transition and records it in the history; undefined when the order is not in `from` (or absent). */
  transition(orderId: string, change: OrderTransition): Promise<StoredOrder | undefined>;
  /**
   * The fulfilment hand-off takes a CONFIRMED order before it goes to the provider (again harmless, for a redelivery);
   * from then on a transition with `unclaimed` refuses it. Undefined when the order is not CONFIRMED.
   */
  claimFulfilment(orderId: string, at: string): Promise<StoredOrder | undefined>;
  /** Attaches the PaymentIntent to a RESERVED order (the same one again is harmless); undefined otherwise. */
  attachPayment(orderId: string, payment: OrderPayment, at: string): Promise<StoredOrder | undefined>;
  /** Stores the saga's task token and moves RESERVED -> AWAITING_PAYMENT; undefined when the order is in no such state. */
  awaitPayment(orderId: string, taskToken: string, at: string): Promise<StoredOrder | undefined>;
  /**
   * Adds a provider refund to the order once (by refund id): refundedAmount += amount, payment status recorded.
   * Resolves the order as it is afterwards; undefined when the order does not exist.
   */
  recordRefund(orderId: string, refund: { refundId: string; amount: number; paymentStatus: string }, at: string): Promise<StoredOrder | undefined>;
  /** Records the provider's outcome once (the first outcome stays); resolves the order as it is afterwards. */
  recordPaymentOutcome(orderId: string, outcome: PaymentOutcome, at: string): Promise<StoredOrder | undefined>;
}
