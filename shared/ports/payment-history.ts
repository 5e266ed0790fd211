/** A PaymentIntent as the provider lists it (never card data). */
export interface ProviderPaymentSummary {
  readonly paymentIntentId: string;
  readonly status: string;
  readonly amount: number;
  /** Lower case, as Stripe writes it. */
  readonly currency: string;
  readonly orderId?: string;
  /** Epoch seconds. */
  readonly created: number;
}

export interface ProviderRefundSummary {
  readonly refundId: string;
  readonly paymentIntentId?: string;
  readonly amount: number;
  readonly status: string;
  readonly created: number;
}

/** The provider's own record of payments and refunds, paged through for reconciliation. */
export interface PaymentHistory {
  /** PaymentIntents created in [from, to], every page. */
  paymentIntents(from: Date, to: Date): AsyncIterable<ProviderPaymentSummary>;
  /** Refunds created in [from, to], every page. */
  refunds(from: Date, to: Date): AsyncIterable<ProviderRefundSummary>;
}
