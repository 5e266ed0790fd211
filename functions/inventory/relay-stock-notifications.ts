import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { relayStockNotifications } from '../../shared/domain/inventory/relay-stock-notifications';
import { scheduledHandler } from '../../shared/handlers/scheduled-handler';
import { addTotals, logger, metrics } from '../../shared/observability/powertools';
import { inventoryProviders, relaySettings, stockRelayChannels, stockRelayDeps, switchReader } from './root';

const providerIds = Object.keys(inventoryProviders().providers);
const deps = stockRelayDeps();
const { batchSize } = relaySettings();
const switches = switchReader();
/** Time kept back from the function's timeout to finish the notice in flight and release the claims. */
const RESERVE_MS = 15_000;

/**
 * Scheduled: delivers pending sale and cancellation notices to each provider (outbox relay) through its timeout,
 * retries and circuit breaker, and reports what is still pending and for how long (the pending-notices alarm).
 */
export const handler = scheduledHandler(async (_input, context) => {
  // Stopped by the mitigation switch: nothing is claimed or sent; the notices stay pending until it is resumed.
  const stopped = (await switches.state('outbox-relay-stopped')).on;
  metrics.addMetric('StockRelayStopped', MetricUnit.Count, stopped ? 1 : 0);
  if (stopped) {
    logger.warn('Stock notice relay stopped by its mitigation switch (outbox-relay-stopped)');
    return { providers: [], stopped: true };
  }
  const channels = stockRelayChannels(context.awsRequestId);
  const deadline = new Date(deps.now().getTime() + Math.max(0, context.getRemainingTimeInMillis() - RESERVE_MS));
  const reports = await relayStockNotifications({ ...deps, channels }, providerIds, { batchSize, deadline });
  addTotals(reports, {
    StockNoticesSent: (r) => r.sent,
    StockNoticesPending: (r) => r.pending,
    StockNoticesFailed: (r) => (r.outcome === 'failed' ? 1 : 0),
    ProviderCircuitsOpen: (r) => (r.outcome === 'circuit-open' ? 1 : 0),
  });
  metrics.addMetric('StockNoticePendingAgeSeconds', MetricUnit.Seconds, Math.max(0, ...reports.map((r) => r.oldestPendingSeconds)));
  // Per provider, 1 while its circuit is open (0 otherwise, so the alarm clears): the provider circuit alarms.
  for (const r of reports)
    metrics
      .singleMetric()
      .addDimension('provider', r.providerId)
      .addMetric('ProviderCircuitOpen', MetricUnit.Count, r.outcome === 'circuit-open' ? 1 : 0);
  for (const r of reports) {
    if (r.outcome === 'delivered') logger.info('Stock notices delivered', { ...r });
    else logger.warn('Stock notices left pending', { ...r });
  }
  return { providers: reports };
});
