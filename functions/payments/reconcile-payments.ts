import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { scheduledHandler } from '../../shared/handlers/scheduled-handler';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbReconciliationReports } from '../../shared/adapters/dynamodb-reconciliation-reports';
import { integerEnv, optionalEnv, requiredEnv } from '../../shared/config/env';
import { reconcilePayments, type ReconciliationOptions } from '../../shared/domain/payments/reconciliation';
import type { RemedyName } from '../../shared/ports/reconciliation-reports';
import { logger, metrics } from '../../shared/observability/powertools';
import { auditLog, now, orderRepository, paymentRecords } from '../saga/saga-deps';
import { paymentGateway } from '../saga/payment-deps';
import { waitingSteps } from '../saga/workflow-deps';
import { ENV } from '../../shared/config/env-names';

const REMEDIES = z.array(z.enum(['cancel-orphaned-payment-intent', 'apply-missed-payment-outcome', 'refund-paid-without-order']));
const remedies: readonly RemedyName[] = REMEDIES.parse(optionalEnv(ENV.RECONCILIATION_REMEDIES, '').split(',').filter(Boolean));
const stripe = paymentGateway();
const deps = {
  history: stripe,
  payments: stripe,
  orders: orderRepository(),
  records: paymentRecords(),
  waits: waitingSteps(),
  reports: new DynamoDbReconciliationReports(new DynamoDBClient({}), requiredEnv(ENV.PAYMENTS_TABLE)),
  audit: auditLog(),
  now,
};
const defaults = {
  windowHours: integerEnv(ENV.RECONCILIATION_WINDOW_HOURS, 72),
  stuckAfterMinutes: integerEnv(ENV.RECONCILIATION_STUCK_AFTER_MINUTES, 30),
  settleSeconds: 300,
};

/** A manual run (aws lambda invoke, or a test) may narrow the settle time; the schedule's event carries none of these. */
const RunSchema = z.object({ settleSeconds: z.number().int().min(0).max(3600).optional() }).passthrough();

/**
 * Scheduled (EventBridge, per stage): compares Stripe with Stockade over the window, applies the stage's safe
 * remedies, saves the report served by GET /admin/reconciliation, and emits the discrepancy count the alarm watches.
 */
export const handler = scheduledHandler(
  async (run) => {
    const options: ReconciliationOptions = { ...defaults, ...(run.settleSeconds !== undefined ? { settleSeconds: run.settleSeconds } : {}), remedies };
    const report = await reconcilePayments(deps, options);
    const failed = report.discrepancies.filter((d) => d.remedy?.outcome === 'failed').length;
    metrics.addMetric('ReconciliationDiscrepancies', MetricUnit.Count, report.discrepancies.length + (report.omitted ?? 0));
    metrics.addMetric('ReconciliationRemediesFailed', MetricUnit.Count, failed);
    const summary = {
      checked: report.checked,
      discrepancies: report.discrepancies.length + (report.omitted ?? 0),
      remediesFailed: failed,
      window: report.window,
    };
    if (summary.discrepancies > 0) logger.warn('Reconciliation found discrepancies', { ...summary, kinds: report.discrepancies.map((d) => d.kind) });
    else logger.info('Reconciliation found nothing', summary);
    return summary;
  },
  { schema: RunSchema },
);
