import { NotFoundError } from '../../shared/domain/errors';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { auditLog, now, reconciliationReports } from './root';

const reports = reconciliationReports();
const audit = auditLog();

/** GET /admin/reconciliation: the latest reconciliation report; 404 before the first run. Each read is audited. */
export const handler = httpHandler({}, async ({ event }) => {
  const report = await reports.latest();
  const sourceIp = event.requestContext?.identity?.sourceIp;
  await audit.append({
    at: now().toISOString(),
    actor: principalOf(event).sub,
    action: 'reconciliation.read',
    target: 'payments',
    outcome: report ? 'succeeded' : 'failed',
    detail: report ? `report of ${report.runAt}: ${report.discrepancies.length} discrepancies` : 'no report yet',
    ...(sourceIp ? { sourceIp } : {}),
  });
  if (!report) throw new NotFoundError('No reconciliation has run yet');
  return { status: 200, body: report, headers: { 'Cache-Control': 'no-store' } };
});
