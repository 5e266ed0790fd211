import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DynamoDbInventoryLedger } from '../../shared/adapters/dynamodb-inventory-ledger';
import { SqsRetryBackoff } from '../../shared/adapters/sqs-retry-backoff';
import { requiredEnv } from '../../shared/config/env';
import { logger, metrics } from '../../shared/observability/powertools';
import { parseNormalizedUpdate } from '../../shared/schemas/normalized-update';

const ledger = new DynamoDbInventoryLedger(new DynamoDBClient({}), requiredEnv('CATALOG_TABLE'));
const backoff = new SqsRetryBackoff(new SQSClient({}), requiredEnv('INVENTORY_UPDATES_QUEUE_URL'));
// FIFO by SKU: a failed record fails the rest of its SKU's group in the batch (order holds); other SKUs go on.
const processor = new SqsFifoPartialProcessorAsync();

async function apply(record: SQSRecord): Promise<void> {
  const update = parseNormalizedUpdate(record.body);
  const entry = await ledger.apply(update, new Date().toISOString());
  if (entry.clamped && !entry.replayed) metrics.addMetric('InventoryClampedToReserved', MetricUnit.Count, 1);
  logger.info('Inventory update recorded', { sku: entry.sku, providerId: entry.providerId, eventId: entry.eventId, version: entry.version, outcome: entry.outcome, reason: entry.reason, replayed: entry.replayed ?? false });
}

/**
 * Consumer of the inventory updates queue: each normalized provider update applied to its SKU under the conflict
 * rules and recorded in the inventory ledger. A malformed message or a failed apply fails that record only; failed
 * records come back with a short backoff and reach the DLQ after maxReceiveCount.
 */
export const handler = middy(async (event: SQSEvent, context: Context) => {
  const response = await processPartialResponse(event, apply, processor, { context, skipGroupOnError: true, throwOnFullBatchFailure: false });
  if (response.batchItemFailures.length > 0) {
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    // The message and name of each error only: a malformed body is not echoed into the logs.
    processor.errors.forEach((error, i) => logger.warn('Inventory update failed', { messageId: (processor.failureMessages[i] as SQSRecord | undefined)?.messageId, errorName: error.name, errorMessage: error.message }));
    const notDelayed = await backoff.retryLater(event.Records, failed);
    logger.info('Failed inventory updates retried with backoff', { failed: [...failed], notDelayed });
  }
  return response;
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
