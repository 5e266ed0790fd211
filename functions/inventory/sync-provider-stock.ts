import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { scheduledHandler } from '../../shared/handlers/scheduled-handler';
import { inventoryProviderSecrets } from '../../shared/adapters/cached-secrets';
import { DynamoDbInventoryQuarantine } from '../../shared/adapters/dynamodb-inventory-quarantine';
import { DynamoDbProviderHealth } from '../../shared/adapters/dynamodb-provider-circuits';
import { HttpInventoryProvider } from '../../shared/adapters/http-inventory-provider';
import { withTimeoutAndRetry } from '../../shared/adapters/provider-channels';
import { SqsInventoryUpdateQueue } from '../../shared/adapters/sqs-inventory-update-queue';
import { integerEnv, requiredEnv } from '../../shared/config/env';
import { inventoryProviderSecretArns, inventoryProviders } from '../../shared/config/inventory-providers';
import { syncProviderStock } from '../../shared/domain/inventory/sync-provider-stock';
import { logger, metrics } from '../../shared/observability/powertools';
import { ENV } from '../../shared/config/env-names';

const providers = inventoryProviders();
const secretOf = inventoryProviderSecrets(inventoryProviderSecretArns(providers));
const client = new DynamoDBClient({});
const catalogTable = requiredEnv(ENV.CATALOG_TABLE);
const deps = {
  providers,
  apis: new Map(
    Object.entries(providers.providers).map(([id, p]) => [id, withTimeoutAndRetry(new HttpInventoryProvider(id, p.apiUrl, () => secretOf(id)), p.outbound)]),
  ),
  health: new DynamoDbProviderHealth(client, catalogTable),
  queue: new SqsInventoryUpdateQueue(new SQSClient({}), requiredEnv(ENV.INVENTORY_UPDATES_QUEUE_URL)),
  quarantine: new DynamoDbInventoryQuarantine(client, catalogTable),
  now: () => new Date(),
};
const options = { maxPages: integerEnv(ENV.SYNC_MAX_PAGES, 500) };

/**
 * Scheduled: the full sync. Every provider's stock snapshot goes through the webhook's translation and queue, so
 * the consumer's conflict rules heal what a missed webhook left wrong. A provider that could not be synced fails the
 * run (the function error alarm) after the others were.
 */
export const handler = scheduledHandler(async () => {
  const reports = await syncProviderStock(deps, options);
  metrics.addMetric(
    'InventorySyncLinesQueued',
    MetricUnit.Count,
    reports.reduce((n, r) => n + r.queued, 0),
  );
  metrics.addMetric(
    'InventoryLinesQuarantined',
    MetricUnit.Count,
    reports.reduce((n, r) => n + r.quarantined, 0),
  );
  const failed = reports.filter((r) => r.outcome === 'failed');
  for (const r of reports) (r.outcome === 'failed' ? logger.error : logger.info).call(logger, 'Inventory provider sync', { ...r });
  if (failed.length > 0) throw new Error(`The stock sync failed for ${failed.map((r) => `${r.providerId} (${r.error ?? 'unknown'})`).join(', ')}`);
  return { providers: reports };
});
