export type DiscrepancyKind =
  | 'paid-without-order'
  | 'confirmed-without-payment'
  | 'amount-mismatch'
  | 'currency-mismatch'
  | 'refund-drift'
  | 'stuck-awaiting-payment'
  | 'missed-payment-outcome'
  | 'orphaned-payment-intent';

export type RemedyName = 'cancel-orphaned-payment-intent' | 'apply-missed-payment-outcome' | 'refund-paid-without-order';

export interface Discrepancy {
  readonly kind: DiscrepancyKind;
  readonly orderId?: string;
  readonly paymentIntentId?: string;
  /** What differs, in words an operator reads (amounts, statuses); never card data or personal data. */
  readonly detail: string;
  /** The remedy applied by the job, when the stage configures one for this kind. */
  readonly remedy?: { readonly name: RemedyName; readonly outcome: 'applied' | 'failed'; readonly detail?: string };
}

export interface ReconciliationReport {
  readonly runAt: string;
  readonly window: { readonly from: string; readonly to: string };
  /** PaymentIntents and orders compared. */
  readonly checked: number;
  readonly discrepancies: readonly Discrepancy[];
  /** How many discrepancies were found beyond those listed. */
  readonly omitted?: number;
}

/** Where reconciliation reports are kept; the latest is served to admins. */
export interface ReconciliationReports {
  save(report: ReconciliationReport): Promise<void>;
  latest(): Promise<ReconciliationReport | undefined>;
}
