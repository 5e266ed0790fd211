import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAuditLog } from '../../shared/adapters/dynamodb-audit-log';
import { DynamoDbReconciliationReports } from '../../shared/adapters/dynamodb-reconciliation-reports';
import { requiredEnv } from '../../shared/config/env';
import { NotFoundError } from '../../shared/domain/errors';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { ENV } from '../../shared/config/env-names';

const dynamodb = new DynamoDBClient({});
const reports = new DynamoDbReconciliationReports(dynamodb, requiredEnv(ENV.PAYMENTS_TABLE));
const audit = new DynamoDbAuditLog(dynamodb, requiredEnv(ENV.AUDIT_TABLE));

/** GET /admin/reconciliation: the latest reconciliation report; 404 before the first run. Each read is audited. */
export const handler = httpHandler({}, async ({ event }) => {
  const report = await reports.latest();
  const sourceIp = event.requestContext?.identity?.sourceIp;
  await audit.append({
    at: new Date().toISOString(),
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
