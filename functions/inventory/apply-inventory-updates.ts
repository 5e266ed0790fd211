import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbInventoryLedger } from '../../shared/adapters/dynamodb-inventory-ledger';
import { SqsRetryBackoff } from '../../shared/adapters/sqs-retry-backoff';
import { requiredEnv } from '../../shared/config/env';
import { sqsBatchHandler } from '../../shared/handlers/sqs-batch-handler';
import { logger, metrics } from '../../shared/observability/powertools';
import { NormalizedUpdateSchema } from '../../shared/schemas/normalized-update';
import { ENV } from '../../shared/config/env-names';

const ledger = new DynamoDbInventoryLedger(new DynamoDBClient({}), requiredEnv(ENV.CATALOG_TABLE));
const backoff = new SqsRetryBackoff(new SQSClient({}), requiredEnv(ENV.INVENTORY_UPDATES_QUEUE_URL));

/**
 * Consumer of the inventory updates queue: each normalized provider update applied to its SKU under the conflict
 * rules and recorded in the inventory ledger. FIFO by SKU: a failed record fails the rest of its SKU's group in the
 * batch (order holds), other SKUs go on, and failed records come back with a short backoff, reaching the DLQ after
 * maxReceiveCount. A malformed message goes straight to the DLQ.
 */
export const handler = sqsBatchHandler({
  queue: 'fifo',
  schema: NormalizedUpdateSchema,
  handle: async (update) => {
    const entry = await ledger.apply(update, new Date().toISOString());
    if (entry.clamped && !entry.replayed) metrics.addMetric('InventoryClampedToReserved', MetricUnit.Count, 1);
    logger.info('Inventory update recorded', {
      sku: entry.sku,
      providerId: entry.providerId,
      eventId: entry.eventId,
      version: entry.version,
      outcome: entry.outcome,
      reason: entry.reason,
      replayed: entry.replayed ?? false,
    });
  },
  afterFailures: async (records, failed) => {
    const notDelayed = await backoff.retryLater(records, failed);
    logger.info('Failed inventory updates retried with backoff', { failed: [...failed], notDelayed });
  },
});
