import { ExponentialBackoff, fullJitterGenerator, handleWhen, retry } from 'cockatiel';
import { cancellationCodes } from './dynamodb-order-items';

/** DynamoDB refused the request because another transaction or write was working on one of its items. */
export function lostToConcurrentWrite(error: unknown): boolean {
  return (
    cancellationCodes(error)?.includes('TransactionConflict') === true || (error as { name?: string } | undefined)?.name === 'TransactionConflictException'
  );
}

/**
 * Runs a transaction again, at most twice, after a short wait with full jitter (a few to a few hundred
 * milliseconds), when it lost to a concurrent one: on a hot item (a flash-sale SKU) most conflicts clear within a
 * transaction's own latency, far sooner than the saga's Retry (1 s and up) would try again. What still conflicts
 * after that goes to the caller (transientIfContended, and the saga's jittered Retry).
 */
export const conflictRetry = retry(handleWhen(lostToConcurrentWrite), {
  maxAttempts: 2,
  backoff: new ExponentialBackoff({ generator: fullJitterGenerator, initialDelay: 25, maxDelay: 250 }),
});
