import type { Money } from './money';
import type { OrderShipping, ShippingAddress } from './shipping';

/** PENDING -> RESERVED -> AWAITING_PAYMENT -> CONFIRMED -> FULFILLED; or FAILED, CANCELLED, REFUNDED (api-contract.md). */
export const ORDER_STATUSES = ['PENDING', 'RESERVED', 'AWAITING_PAYMENT', 'CONFIRMED', 'FULFILLED', 'FAILED', 'CANCELLED', 'REFUNDED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Statuses in which the saga is still deciding: the order may yet be confirmed or failed. */
export const OPEN_STATUSES: readonly OrderStatus[] = ['PENDING', 'RESERVED', 'AWAITING_PAYMENT'];

/** Orders that ended without a sale: they no longer want a payment, and one that succeeds for them is refunded. */
export const ENDED_STATUSES: readonly OrderStatus[] = ['FAILED', 'CANCELLED'];

export interface OrderLine {
  readonly sku: string;
  readonly productId: string;
  readonly vendorId: string;
  readonly quantity: number;
  readonly unitPrice: Money;
  readonly lineTotal: Money;
}

export interface OrderPayment {
  readonly provider: 'stripe';
  readonly paymentIntentId: string;
  /** Handed to the owner only while the order awaits payment (Stripe.js confirms with it). */
  readonly clientSecret?: string;
  readonly status: string;
}

/** What the payment provider told us about an order's payment, recorded by the webhook. */
export interface PaymentOutcome {
  readonly kind: 'succeeded' | 'failed' | 'canceled';
  readonly paymentIntentId: string;
  readonly amount: number;
  readonly currency: string;
  /** Provider's reason for a failure (decline code), never card data. */
  readonly reason?: string;
}

/** An order as stored. */
export interface StoredOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly lines: readonly OrderLine[];
  readonly total: Money;
  readonly payment?: OrderPayment;
  readonly paymentOutcome?: PaymentOutcome;
  /** The saga's task token while it waits for the payment; never leaves the backend. */
  readonly paymentTaskToken?: string;
  readonly failureReason?: string;
  readonly fulfilmentReference?: string;
  /** When the fulfilment hand-off took the order (CONFIRMED, about to go to the provider): it can no longer be cancelled. */
  readonly fulfilmentClaimedAt?: string;
  /** Sum of the refunds recorded for the order, minor units. */
  readonly refundedAmount?: number;
  /** Where it ships, the contact e-mail and the shipping charge (part of `total`); absent on orders placed before shipping existed. */
  readonly shipping?: OrderShipping;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One vendor's part of an order as stored (the order's vendor view, with the order's status and last change). */
export interface StoredVendorOrder {
  readonly orderId: string;
  readonly vendorId: string;
  readonly status: OrderStatus;
  /** That vendor's lines only. */
  readonly lines: readonly OrderLine[];
  /** What shipping the lines needs: the address and the option, never the contact e-mail or the charge. */
  readonly shipping?: VendorShipping;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What a vendor shipping its lines needs: where to (the recipient's name and address) and how (the option). */
export interface VendorShipping {
  readonly address: ShippingAddress;
  readonly option: { readonly id: string; readonly label: string };
}

/**
 * An order as a vendor sees it (GET /vendor/orders): its own lines and their total, and what shipping them needs;
 * nothing else of the customer (not their id, not their e-mail).
 */
export interface VendorOrder {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly lines: readonly OrderLine[];
  readonly total: Money;
  readonly shipping?: VendorShipping;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The order as its owner sees it (api-contract.md). */
export interface Order {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly lines: readonly OrderLine[];
  readonly total: Money;
  readonly currency: string;
  readonly payment?: OrderPayment;
  readonly failureReason?: string;
  /** Extension: what has been refunded so far, when anything has. */
  readonly refunded?: Money;
  /** Extension: where the order ships, its contact e-mail, the option and its charge (included in `total`). */
  readonly shipping?: OrderShipping;
  readonly createdAt: string;
  readonly updatedAt: string;
}
