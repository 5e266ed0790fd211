import type { Money } from '../domain/model/money';

/** A PaymentIntent as Stockade needs to know it. */
export interface ProviderPayment {
  readonly paymentIntentId: string;
  readonly status: string;
  readonly amount: Money;
  readonly clientSecret?: string;
  /** The order it pays for (metadata.orderId), when Stockade created it. */
  readonly orderId?: string;
}

/** The payment provider (Stripe). Every call that changes something is idempotent per order. */
export interface PaymentGateway {
  /** One PaymentIntent per order, however often this is called (the idempotency key derives from the order id). */
  createPaymentIntent(request: { orderId: string; amount: Money }): Promise<ProviderPayment>;
  retrieve(paymentIntentId: string): Promise<ProviderPayment>;
  cancel(paymentIntentId: string, orderId: string): Promise<ProviderPayment>;
  /**
   * Refunds the whole captured amount once per order, or with `amount` a part of it; `idempotencyKey` (derived from
   * Stockade's own ids) makes a retried call the same refund. Refusals by the provider (more than remains) are
   * BusinessRuleError.
   */
  /** Every refund of the PaymentIntent, as the provider has them now. */
  refundsOf(paymentIntentId: string): Promise<Array<{ refundId: string; status: string; amount: number }>>;
  refund(
    paymentIntentId: string,
    orderId: string,
    options?: { amount?: number; idempotencyKey?: string; reason?: string },
  ): Promise<{ refundId: string; status: string; amount: number }>;
}
