import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { sqsBatchHandler } from '../../shared/handlers/sqs-batch-handler';
import { logger, metrics } from '../../shared/observability/powertools';
import { inventoryLedger, inventoryRetryBackoff, now } from './root';
import { NormalizedUpdateSchema } from '../../shared/schemas/normalized-update';

const ledger = inventoryLedger();
const backoff = inventoryRetryBackoff();

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
    const entry = await ledger.apply(update, now().toISOString());
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
