import { NotFoundError } from '../../shared/domain/errors';
import { httpHandler } from '../../shared/http/http-handler';
import { originOf } from '../../shared/domain/operations/audit-trail';
import { auditActorOf } from '../../shared/http/principal';
import { auditLog, now, reconciliationReports } from './root';

const reports = reconciliationReports();
const audit = auditLog();

/** GET /admin/reconciliation: the latest reconciliation report; 404 before the first run. Each read is audited. */
export const handler = httpHandler({}, async ({ event }) => {
  const report = await reports.latest();
  const actor = auditActorOf(event);
  await audit.append({
    at: now().toISOString(),
    actor: actor.sub,
    action: 'reconciliation.read',
    target: 'payments',
    outcome: report ? 'succeeded' : 'failed',
    detail: report ? `report of ${report.runAt}: ${report.discrepancies.length} discrepancies` : 'no report yet',
    ...originOf(actor),
  });
  if (!report) throw new NotFoundError('No reconciliation has run yet');
  return { status: 200, body: report, headers: { 'Cache-Control': 'no-store' } };
});
