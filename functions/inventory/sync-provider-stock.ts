import { scheduledHandler } from '../../shared/handlers/scheduled-handler';
import { syncProviderStock } from '../../shared/domain/inventory/sync-provider-stock';
import { addTotals, logger } from '../../shared/observability/powertools';
import { stockSyncDeps, syncSettings } from './root';

const deps = stockSyncDeps();
const options = syncSettings();

/**
 * Scheduled: the full sync. Every provider's stock snapshot goes through the webhook's translation and queue, so
 * the consumer's conflict rules heal what a missed webhook left wrong. A provider that could not be synced fails the
 * run (the function error alarm) after the others were.
 */
export const handler = scheduledHandler(async () => {
  const reports = await syncProviderStock(deps, options);
  addTotals(reports, { InventorySyncLinesQueued: (r) => r.queued, InventoryLinesQuarantined: (r) => r.quarantined });
  const failed = reports.filter((r) => r.outcome === 'failed');
  for (const r of reports) (r.outcome === 'failed' ? logger.error : logger.info).call(logger, 'Inventory provider sync', { ...r });
  if (failed.length > 0) throw new Error(`The stock sync failed for ${failed.map((r) => `${r.providerId} (${r.error ?? 'unknown'})`).join(', ')}`);
  return { providers: reports };
});
