import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inventoryProviderSecrets } from '../../shared/adapters/cached-secrets';
import { DynamoDbProviderCircuits } from '../../shared/adapters/dynamodb-provider-circuits';
import { DynamoDbStockNotificationOutbox } from '../../shared/adapters/dynamodb-stock-notification-outbox';
import { HttpInventoryProvider } from '../../shared/adapters/http-inventory-provider';
import { CockatielProviderChannels } from '../../shared/adapters/provider-channels';
import { integerEnv, requiredEnv } from '../../shared/config/env';
import { inventoryProviderSecretArns, inventoryProviders } from '../../shared/config/inventory-providers';
import { relayStockNotifications } from '../../shared/domain/inventory/relay-stock-notifications';
import { scheduledHandler } from '../../shared/handlers/scheduled-handler';
import { logger, metrics } from '../../shared/observability/powertools';
import { ENV } from '../../shared/config/env-names';

const providers = inventoryProviders();
const providerIds = Object.keys(providers.providers);
const secretOf = inventoryProviderSecrets(inventoryProviderSecretArns(providers));
const apis = new Map(
  Object.entries(providers.providers).map(([id, p]) => [id, { api: new HttpInventoryProvider(id, p.apiUrl, () => secretOf(id)), outbound: p.outbound }]),
);
const client = new DynamoDBClient({});
const catalogTable = requiredEnv(ENV.CATALOG_TABLE);
const store = new DynamoDbProviderCircuits(client, catalogTable);
const outbox = new DynamoDbStockNotificationOutbox(client, catalogTable);
const leaseSeconds = integerEnv(ENV.RELAY_LEASE_SECONDS, 90);
const batchSize = integerEnv(ENV.RELAY_BATCH_SIZE, 25);
/** Time kept back from the function's timeout to finish the notice in flight and release the claims. */
const RESERVE_MS = 15_000;
const now = () => new Date();

/**
 * Scheduled: delivers pending sale and cancellation notices to each provider (outbox relay) through its timeout,
 * retries and circuit breaker, and reports what is still pending and for how long (the pending-notices alarm).
 */
export const handler = scheduledHandler(async (_input, context) => {
  const channels = new CockatielProviderChannels({
    store,
    providers: apis,
    owner: context.awsRequestId,
    leaseSeconds,
  });
  const deadline = new Date(Date.now() + Math.max(0, context.getRemainingTimeInMillis() - RESERVE_MS));
  const reports = await relayStockNotifications({ outbox, channels, now }, providerIds, { batchSize, deadline });
  metrics.addMetric(
    'StockNoticesSent',
    MetricUnit.Count,
    reports.reduce((n, r) => n + r.sent, 0),
  );
  metrics.addMetric(
    'StockNoticesPending',
    MetricUnit.Count,
    reports.reduce((n, r) => n + r.pending, 0),
  );
  metrics.addMetric('StockNoticesFailed', MetricUnit.Count, reports.filter((r) => r.outcome === 'failed').length);
  metrics.addMetric('StockNoticePendingAgeSeconds', MetricUnit.Seconds, Math.max(0, ...reports.map((r) => r.oldestPendingSeconds)));
  metrics.addMetric('ProviderCircuitsOpen', MetricUnit.Count, reports.filter((r) => r.outcome === 'circuit-open').length);
  for (const r of reports) {
    if (r.outcome === 'delivered') logger.info('Stock notices delivered', { ...r });
    else logger.warn('Stock notices left pending', { ...r });
  }
  return { providers: reports };
});
