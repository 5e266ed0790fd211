/** A payment provider's event, verified and reduced to what Stockade keeps. */
export interface ProviderEvent {
  readonly provider: 'stripe';
  readonly eventId: string;
  readonly type: string;
  /** Provider's creation time, epoch seconds. */
  readonly created: number;
  /** Id of the object the event is about (e.g. a PaymentIntent id). */
  readonly objectId?: string;
  /** For payment_intent.* events: what the PaymentIntent says (never card data). */
  readonly paymentIntent?: {
    readonly id: string;
    readonly status: string;
    readonly amount: number;
    readonly currency: string;
    /** The order it pays for (Stockade sets metadata.orderId when it creates the PaymentIntent). */
    readonly orderId?: string;
    /** Decline code or error code of the last failed attempt. */
    readonly failureCode?: string;
  };
  /** For charge.* events: the charge's PaymentIntent and how much of it is refunded so far. */
  readonly charge?: {
    readonly id: string;
    readonly paymentIntentId?: string;
    readonly amountRefunded: number;
  };
  /** For refund.* events: the refund (Stockade's refunds carry metadata.orderId; dashboard refunds do not). */
  readonly refund?: {
    readonly id: string;
    readonly amount: number;
    readonly status: string;
    readonly paymentIntentId?: string;
    readonly orderId?: string;
  };
}

/** The webhook event ledger: each provider event is recorded once; a duplicate delivery changes nothing. */
export interface PaymentEventLedger {
  record(event: ProviderEvent, receivedAt: Date): Promise<'recorded' | 'duplicate'>;
  /** Whether the event's effect was already applied. */
  processed(event: ProviderEvent): Promise<boolean>;
  /** Marks the event applied, with what it did. */
  markProcessed(event: ProviderEvent, effect: string, at: Date): Promise<void>;
}

/** Verified provider events waiting to be applied, in order per PaymentIntent and de-duplicated by event id. */
export interface PaymentEventQueue {
  enqueue(event: ProviderEvent): Promise<void>;
}

/** Verifies a webhook's signature over the raw body and returns the event, or throws. */
export interface WebhookVerifier {
  verify(rawBody: string, signatureHeader: string | undefined): Promise<ProviderEvent>;
}
