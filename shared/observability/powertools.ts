import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { redactPersonalData } from './personal-data-redaction';

/**
 * The one logger and metrics of a function, created once per cold start. Service name and namespace come from
 * POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE, set by the function construct.
 *
 * No tracer: Lambda's active tracing records each invocation without an SDK in the bundle, the AWS SDK forwards the
 * trace header on every call, and the logger writes the trace id (xray_trace_id) on every line (docs/operations.md,
 * "Tracing").
 *
 * Address and contact fields, and e-mail addresses, are masked in every line (personal-data-redaction.ts).
 *
 * No JMESPath search function either: the one correlation id we log (API Gateway's request id) is read from the event
 * by the handler kit (handlers/powertools.ts); the search engine would add about 23 KiB and its compile to every
 * cold start.
 */
export const logger = new Logger({ jsonReplacerFn: redactPersonalData });
// Metrics' own warnings go through the logger: structured, correlated and filtered by log level.
export const metrics = new Metrics({ logger });

/** Adds one Count metric per name, each the sum of `count` over the run's reports (a scheduled job's totals). */
export function addTotals<T>(reports: readonly T[], totals: Readonly<Record<string, (report: T) => number>>): void {
  for (const [name, count] of Object.entries(totals))
    metrics.addMetric(
      name,
      MetricUnit.Count,
      reports.reduce((sum, report) => sum + count(report), 0),
    );
}
