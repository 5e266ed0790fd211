import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { cancellationCodes } from './dynamodb-order-items';

/**
 * DynamoDB refused the request only because another transaction or write was working on one of its items: a
 * single write's TransactionConflictException, or a transaction cancelled with TransactionConflict as its only
 * reason (a failed condition beside it is an answer, not contention).
 */
export function lostToConcurrentWrite(error: unknown): boolean {
  if ((error as { name?: string } | undefined)?.name === 'TransactionConflictException') return true;
  const codes = cancellationCodes(error);
  return codes !== undefined && codes.includes('TransactionConflict') && codes.every((c) => c === 'None' || c === 'TransactionConflict');
}

/**
 * Has the client's own retry strategy retry a request that lost to a concurrent one, as it retries throttling:
 * with its exponential backoff and full jitter, within its attempts (3 by default) and its retry quota. The AWS
 * SDK classes neither TransactionConflictException nor TransactionCanceledException as retryable, yet on a hot item
 * (a flash-sale SKU, an order the saga and a webhook both touch) most conflicts clear within one transaction's
 * latency, far sooner than an SQS redelivery or the saga's Retry (1 s and up) would try again. What still conflicts
 * after that reaches the adapter (transientIfContended: a TransientError for the saga or the queue).
 */
export function retryTransactionConflicts(client: DynamoDBClient): DynamoDBClient {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        // The retry middleware, one step out, retries errors marked retryable; throttling ones with backoff.
        if (lostToConcurrentWrite(error)) Object.assign(error as object, { $retryable: { throttling: true } });
        throw error;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'stockadeTransactionConflictRetry', override: true },
  );
  return client;
}
