import type { Money } from '../domain/model/money';
import type { PaymentOutcome } from '../domain/model/order';

/**
 * A payment's state as Stockade decided it. PENDING until the provider reports it finished; SUCCEEDED and CANCELED
 * are terminal (they are Stripe's terminal PaymentIntent states) and never change again. A declined attempt is not
 * terminal (the customer may pay with another card), so it is only noted on the pending record.
 */
export type PaymentState = 'PENDING' | 'SUCCEEDED' | 'CANCELED';

/** Who reported the outcome that decided a payment. */
export type PaymentReporter = 'webhook' | 'poll' | 'reconciliation';

export type TerminalOutcome = PaymentOutcome & { readonly kind: 'succeeded' | 'canceled' };

export interface PaymentRecord {
  readonly paymentIntentId: string;
  /** Absent for a payment Stockade did not create (no order metadata). */
  readonly orderId?: string;
  /** What the PaymentIntent was created for. */
  readonly amount?: Money;
  readonly state: PaymentState;
  readonly createdAt: string;
  /** The outcome that decided it, as reported (amount and currency paid). */
  readonly outcome?: TerminalOutcome;
  readonly decidedAt?: string;
  readonly decidedBy?: PaymentReporter;
  /** The latest declined attempt while PENDING (decline code, never card data). */
  readonly lastFailure?: { readonly reason: string; readonly at: string };
}

/** Payment records, one per PaymentIntent, keyed by its id (docs/data-model.md). */
export interface PaymentRecords {
  /** Records a new PaymentIntent as PENDING; a second call for the same one changes nothing. */
  open(record: { paymentIntentId: string; orderId: string; amount: Money; createdAt: string }): Promise<void>;
  get(paymentIntentId: string): Promise<PaymentRecord | undefined>;
  /**
   * The one finalizer: a single conditional write moves the record from PENDING (or absent) to the outcome's terminal
   * state. Whoever reports first decides; every later report, whatever it says, finds the decision and changes
   * nothing. Resolves the record as it is afterwards and whether this call was the one that decided it.
   */
  decide(outcome: TerminalOutcome, by: PaymentReporter, at: string, orderId?: string): Promise<{ decided: boolean; record: PaymentRecord }>;
  /** Notes a declined attempt on a PENDING record; a decided record is left as it is. */
  noteFailure(paymentIntentId: string, reason: string, at: string): Promise<void>;
}

/** Many payment records in one read: reconciliation looks up a slice's worth at once instead of one by one. */
export interface PaymentRecordLookup {
  /** The records of these PaymentIntents that exist, by PaymentIntent id. */
  getMany(paymentIntentIds: readonly string[]): Promise<ReadonlyMap<string, PaymentRecord>>;
}
