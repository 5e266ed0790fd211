/**
 * Errors a saga step ends with. The name is what Step Functions sees as the error (Lambda's errorType), so the state
 * machine's Retry and Catch match on it: TransientError is retried, the others go straight to compensation.
 */
export type SagaErrorName =
  'OutOfStock' | 'OrderNotFound' | 'InvalidOrderState' | 'PaymentDeclined' | 'PaymentCanceled' | 'PaymentMismatch' | 'HoldExpired' | 'TransientError';

export class SagaError extends Error {
  // Set explicitly: bundles are minified, so class names do not survive.
  override readonly name: SagaErrorName;

  constructor(name: SagaErrorName, message: string) {
    super(message);
    this.name = name;
  }
}

/** A failure worth trying again (a contended transaction, a provider that did not answer). */
export class TransientError extends SagaError {
  constructor(message: string) {
    super('TransientError', message);
  }
}

/** Errors whose message Stockade wrote for the customer, and so may be shown as the failure reason. */
const CUSTOMER_FACING: ReadonlySet<string> = new Set(['OutOfStock', 'PaymentDeclined']);

const FIXED_REASONS: Readonly<Record<string, string>> = {
  PaymentCanceled: 'The payment was canceled',
  PaymentMismatch: 'The payment did not match the order total',
  HoldExpired: 'The stock hold expired before the payment completed',
  'States.Timeout': 'The payment was not completed before the stock hold expired',
};

/**
 * The failure reason recorded on an order, from the error a saga step failed with (Step Functions' Error and Cause).
 * Only messages Stockade wrote for customers pass through; anything else (internal errors, stack traces) becomes a
 * generic reason.
 */
export function failureReason(error: { Error?: string; Cause?: string } | undefined): string {
  const name = error?.Error ?? '';
  if (CUSTOMER_FACING.has(name)) {
    const message = causeMessage(error?.Cause);
    if (message) return message;
  }
  return FIXED_REASONS[name] ?? 'The order could not be completed; any payment was canceled or refunded';
}

/** Lambda reports a function error as Cause = JSON `{ errorType, errorMessage, trace }`. */
function causeMessage(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' && parsed.errorMessage.length <= 300 ? parsed.errorMessage : undefined;
  } catch {
    return undefined;
  }
}
