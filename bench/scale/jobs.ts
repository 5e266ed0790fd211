import { performance } from 'node:perf_hooks';
import type { ScheduledTarget } from '../../local/aws/eventbridge/schedules';
import type { LocalRuntime } from '../../local/runtime/local-runtime';
import { log } from '../lib/progress';
import type { JobRun } from './limits';

/** A scheduled job's run after the orders: what it measured, and how it went. */
export interface JobResult extends JobRun {
  readonly rule: string;
  readonly expression: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly ms: number;
  /** Where its window comes from, for the report. */
  readonly windowNote: string;
}

/**
 * How many orders a run of each job reads: the reconciliation every order of its lookback (RECONCILIATION_WINDOW_HOURS
 * of its function). The others read what healthy orders do not leave behind: the sweeper expired holds (abandoned
 * checkouts), the relay pending notices to providers (SKUs a provider feeds), the full sync providers' snapshots.
 */
function windowOf(target: ScheduledTarget, environment: Readonly<Record<string, string>>): { seconds: number; note: string } {
  const hours = Number(environment.RECONCILIATION_WINDOW_HOURS);
  if (Number.isFinite(hours) && hours > 0) return { seconds: hours * 3600, note: `its ${hours} h lookback (RECONCILIATION_WINDOW_HOURS)` };
  if (/SweepExpiredHolds/.test(target.functionArn)) return { seconds: 0, note: 'expired holds: grows with abandoned checkouts, not orders' };
  if (/RelayStockNotifications/.test(target.functionArn)) return { seconds: 0, note: 'pending notices: grows with sales of provider-fed SKUs (none here)' };
  if (/SyncProviderStock/.test(target.functionArn)) return { seconds: 0, note: "providers' snapshots: grows with their catalogues, not orders" };
  return { seconds: target.everyMs / 1000, note: `assumed: the orders since its previous run (${target.expression})` };
}

/** A scheduled function's short name: its logical id without CDK's hash (SweepExpiredHolds1A2B3C4D -> SweepExpiredHolds). */
const jobName = (logicalId: string) => logicalId.replace(/[0-9A-F]{8}$/, '');

/**
 * Runs each scheduled function once, as its rule does (the runtime's Lambda service, a Scheduled Event), recording
 * the capacity per partition of that run alone (the heat is reset before each).
 */
export async function runScheduledJobs(runtime: LocalRuntime): Promise<JobResult[]> {
  const { schedules, lambdas, dynamodb } = runtime.services;
  const front = dynamodb.front;
  const results: JobResult[] = [];
  for (const target of schedules.targets()) {
    const fn = lambdas.byName(target.functionArn);
    const job = jobName(fn.definition.logicalId);
    log(`Scheduled job ${job} (${target.expression}), once...`);
    front.heat.reset();
    front.recordingHeat = true;
    const t0 = performance.now();
    let outcome: Awaited<ReturnType<typeof schedules.fire>>;
    try {
      // The reconciliation leaves out the last 5 minutes (settleSeconds); the run's orders are younger than that.
      outcome = await schedules.fire(target, /ReconcilePayments/.test(target.functionArn) ? { settleSeconds: 0 } : {});
    } finally {
      front.recordingHeat = false;
    }
    const window = windowOf(target, fn.definition.environment);
    results.push({
      job,
      rule: target.rule,
      expression: target.expression,
      everySeconds: target.everyMs / 1000,
      windowSeconds: window.seconds,
      windowNote: window.note,
      timeoutSeconds: fn.definition.timeoutSeconds,
      partitions: front.heat.report().partitions,
      ok: outcome.ok,
      ...(outcome.ok ? {} : { error: `${outcome.error.errorType}: ${outcome.error.errorMessage}`.slice(0, 200) }),
      ms: performance.now() - t0,
    });
  }
  return results;
}
