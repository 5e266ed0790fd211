import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { scheduledHandler } from '../../shared/handlers/scheduled-handler';
import { anchorHeads, describeVerification, verifyAuditTrail } from '../../shared/domain/operations/audit-chain';
import { logger, metrics } from '../../shared/observability/powertools';
import { auditChains, now } from './root';

const chains = auditChains();

/**
 * Scheduled (EventBridge, per stage): verifies every audit chain from its newest anchor to its head, anchors the heads
 * it verified, and emits AuditChainBreaks (broken shards), which the alarm watches; the full walk from each genesis is
 * npm run audit:verify. The logs name each break's item, never an event's content.
 */
export const handler = scheduledHandler(async () => {
  const reports = await verifyAuditTrail(chains, { full: false });
  const broken = reports.filter((r) => r.broken);
  const anchored = await anchorHeads(chains, reports, now().toISOString());
  metrics.addMetric('AuditChainBreaks', MetricUnit.Count, broken.length);
  const summary = { shards: reports.length, checked: reports.reduce((n, r) => n + r.checked, 0), broken: broken.length, anchored };
  if (broken.length > 0) logger.error('The audit trail is broken', { ...summary, breaks: describeVerification(reports) });
  else logger.info('The audit trail verified', summary);
  return summary;
});
