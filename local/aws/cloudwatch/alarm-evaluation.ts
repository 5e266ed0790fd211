import { type AlarmStateValue, evaluateMetricMath, UnsupportedExpressionError } from './expressions';
import { type MetricKey, type MetricStore, statistic } from './metric-store';

/** A metric a query reads, with its statistic and period (seconds, as the template says). */
export interface MetricStat {
  readonly metric: MetricKey;
  readonly stat: string;
  readonly period: number;
}

/** One entry of an alarm's Metrics (or GetMetricData's MetricDataQueries). */
export interface MetricQuery {
  readonly id: string;
  readonly metricStat?: MetricStat;
  readonly expression?: string;
  readonly label?: string;
  readonly returnData: boolean;
}

export type ComparisonOperator =
  | 'GreaterThanThreshold'
  | 'GreaterThanOrEqualToThreshold'
  | 'LessThanThreshold'
  | 'LessThanOrEqualToThreshold'
  | 'LessThanLowerOrGreaterThanUpperThreshold'
  | 'LessThanLowerThreshold'
  | 'GreaterThanUpperThreshold';

export type TreatMissingData = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

/** What decides a metric alarm's state, from the template. */
export interface MetricAlarmRule {
  /** The single metric (Namespace/MetricName/Dimensions/Statistic) as one query, or the alarm's Metrics. */
  readonly queries: readonly MetricQuery[];
  readonly period: number;
  readonly comparisonOperator: ComparisonOperator;
  readonly threshold?: number;
  /** An anomaly detection band's query id: not evaluated locally. */
  readonly thresholdMetricId?: string;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
}

/** The outcome of one evaluation: the new state (undefined: keep the current one) and why. */
export interface Evaluation {
  readonly state?: AlarmStateValue;
  readonly reason: string;
  readonly values: ReadonlyArray<number | undefined>;
}

/**
 * The value of every query of `queries` in the period (end - periodMs, end], by id (undefined: no data). A
 * MetricStat reads the store; an expression is evaluated over the values of the others.
 */
export function queryValues(queries: readonly MetricQuery[], store: MetricStore, end: number, periodMs: number): Map<string, number | undefined> {
  const values = new Map<string, number | undefined>();
  const byId = new Map(queries.map((q) => [q.id, q]));
  const valueOf = (id: string, seen: Set<string>): number | undefined => {
    if (values.has(id)) return values.get(id);
    const q = byId.get(id);
    if (!q || seen.has(id)) return undefined;
    seen.add(id);
    let value: number | undefined;
    if (q.metricStat) value = statistic(q.metricStat.stat, store.values(q.metricStat.metric, end - periodMs, end));
    else if (q.expression) value = evaluateMetricMath(q.expression, (other) => valueOf(other, seen));
    values.set(id, value);
    return value;
  };
  for (const q of queries) valueOf(q.id, new Set());
  return values;
}

function breaches(operator: ComparisonOperator, value: number, threshold: number): boolean {
  switch (operator) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
    default:
      throw new UnsupportedExpressionError(`${operator} (anomaly detection) is not evaluated locally`);
  }
}

const OPERATOR_WORDS: Record<string, string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/**
 * Evaluates a metric alarm at `now` as CloudWatch does, over its last EvaluationPeriods periods (each `periodMs` long
 * locally): a period is breaching when its value crosses the threshold, and missing data counts as TreatMissingData
 * says; DatapointsToAlarm breaching periods of them make ALARM, fewer make OK. `missing` with no data at all is
 * INSUFFICIENT_DATA; `ignore` with no data keeps the current state.
 */
export function evaluateMetricAlarm(rule: MetricAlarmRule, store: MetricStore, now: number, periodMs: number): Evaluation {
  if (rule.thresholdMetricId !== undefined || rule.threshold === undefined)
    throw new UnsupportedExpressionError('Anomaly detection alarms are not evaluated locally');
  const returned = rule.queries.find((q) => q.returnData) ?? rule.queries[0];
  if (!returned) throw new Error('An alarm without a metric');
  const values: Array<number | undefined> = [];
  for (let i = rule.evaluationPeriods - 1; i >= 0; i--) values.push(queryValues(rule.queries, store, now - i * periodMs, periodMs).get(returned.id));
  const present = values.filter((v): v is number => v !== undefined);
  const threshold = rule.threshold;
  const breaching = present.filter((v) => breaches(rule.comparisonOperator, v, threshold)).length;
  const missing = values.length - present.length;
  const words = OPERATOR_WORDS[rule.comparisonOperator] ?? rule.comparisonOperator;
  const shown = present.map((v) => Number(v.toFixed(4))).join(', ');
  if (present.length === 0) {
    if (rule.treatMissingData === 'missing') return { state: 'INSUFFICIENT_DATA', reason: 'Insufficient Data: no datapoints were received', values };
    if (rule.treatMissingData === 'ignore') return { reason: 'no datapoints: state kept (missing data ignored)', values };
  }
  const counted = breaching + (rule.treatMissingData === 'breaching' ? missing : 0);
  const of = rule.treatMissingData === 'breaching' || rule.treatMissingData === 'notBreaching' ? values.length : present.length;
  if (counted >= rule.datapointsToAlarm)
    return {
      state: 'ALARM',
      reason: `Threshold Crossed: ${counted} out of the last ${of} datapoints [${shown}] were ${words} the threshold (${threshold}) (minimum ${rule.datapointsToAlarm} datapoints for OK -> ALARM transition).`,
      values,
    };
  return {
    state: 'OK',
    reason: `Threshold Crossed: ${counted} out of the last ${of} datapoints [${shown}] were ${words} the threshold (${threshold}) (minimum ${rule.datapointsToAlarm} datapoints for ALARM -> OK transition).`,
    values,
  };
}
