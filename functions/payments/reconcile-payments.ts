import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from '../../shared/validation/zod';
import { scheduledHandler } from '../../shared/handlers/scheduled-handler';
import { reconcilePayments, type ReconciliationOptions } from '../../shared/domain/payments/reconciliation';
import { logger, metrics } from '../../shared/observability/powertools';
import { auditLog, now, paymentOutcomeDeps, paymentRecordLookup, reconciliationReports, reconciliationSettings } from './root';

const { remedies, ...window } = reconciliationSettings();
const outcomes = paymentOutcomeDeps();
// Stripe answers both what happened (history) and the remedies (payments).
const deps = { ...outcomes, history: outcomes.payments, recordLookup: paymentRecordLookup(), reports: reconciliationReports(), audit: auditLog(), now };
const defaults = { ...window, settleSeconds: 300 };

/** A manual run (aws lambda invoke, or a test) may narrow the settle time; the schedule's event carries none of these. */
const RunSchema = z.looseObject({ settleSeconds: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(3600))) });

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
