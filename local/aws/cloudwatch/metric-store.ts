/** One value of a metric, as CloudWatch stores it: a namespace, a name and one exact set of dimensions. */
export interface Datapoint {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly value: number;
  readonly unit?: string;
}

/** A metric as an alarm or GetMetricData names it. */
export interface MetricKey {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

function keyOf(metric: MetricKey): string {
  const dims = Object.entries(metric.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${metric.namespace}|${metric.metricName}|${dims}`;
}

/** One metric's values, oldest first, as two packed arrays (a busy API puts millions of values an hour). */
interface Series {
  readonly key: MetricKey;
  readonly timestamps: number[];
  readonly values: number[];
}

/** The index of the first timestamp > t (timestamps ascending). */
function after(timestamps: readonly number[], t: number): number {
  let lo = 0;
  let hi = timestamps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((timestamps[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The metrics the local runtime has seen, in memory, kept for `retentionMs`. As in CloudWatch, a metric is its
 * namespace, name and exact set of dimensions: a query for {service} does not see values put with {service, webhook}.
 */
export class MetricStore {
  private readonly series = new Map<string, Series>();

  constructor(private retentionMs: number) {}

  /** Keeps values this long from now on (the longest an alarm or a query looks back). */
  retainFor(ms: number): void {
    this.retentionMs = ms;
  }

  put(point: Datapoint): void {
    const key = keyOf(point);
    let found = this.series.get(key);
    if (!found) {
      found = { key: { namespace: point.namespace, metricName: point.metricName, dimensions: point.dimensions }, timestamps: [], values: [] };
      this.series.set(key, found);
    }
    // Values arrive in time order, but for PutMetricData with an older Timestamp.
    const last = found.timestamps.at(-1);
    if (last === undefined || point.timestamp >= last) {
      found.timestamps.push(point.timestamp);
      found.values.push(point.value);
      return;
    }
    const at = after(found.timestamps, point.timestamp);
    found.timestamps.splice(at, 0, point.timestamp);
    found.values.splice(at, 0, point.value);
  }

  /** The values of `metric` with from < timestamp <= to. */
  values(metric: MetricKey, from: number, to: number): number[] {
    const s = this.series.get(keyOf(metric));
    if (!s) return [];
    return s.values.slice(after(s.timestamps, from), after(s.timestamps, to));
  }

  /** Every metric seen (ListMetrics). */
  metrics(): MetricKey[] {
    return [...this.series.values()].map((s) => s.key);
  }

  /** Drops values older than the retention. */
  prune(now: number): void {
    for (const [key, s] of this.series) {
      const expired = after(s.timestamps, now - this.retentionMs);
      if (expired === s.timestamps.length) this.series.delete(key);
      else if (expired > 0) {
        s.timestamps.splice(0, expired);
        s.values.splice(0, expired);
      }
    }
  }
}

/**
 * The datapoints of one line of a function's log when it is in CloudWatch embedded metric format (an object with
 * `_aws.CloudWatchMetrics`, as Powertools Metrics writes it); none for any other line. Each metric directive yields a
 * value per dimension set, the dimensions read from the object's own members.
 */
export function emfDatapoints(line: string, timestamp: number): Datapoint[] {
  if (!line.includes('"_aws"')) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  const root = parsed as Record<string, unknown> & { _aws?: { CloudWatchMetrics?: unknown } };
  const directives = root._aws?.CloudWatchMetrics;
  if (!Array.isArray(directives)) return [];
  const points: Datapoint[] = [];
  for (const directive of directives as Array<{ Namespace?: unknown; Dimensions?: unknown; Metrics?: unknown }>) {
    if (typeof directive.Namespace !== 'string' || !Array.isArray(directive.Metrics)) continue;
    const dimensionSets = Array.isArray(directive.Dimensions) && directive.Dimensions.length > 0 ? (directive.Dimensions as unknown[]) : [[]];
    for (const metric of directive.Metrics as Array<{ Name?: unknown; Unit?: unknown }>) {
      if (typeof metric.Name !== 'string') continue;
      const raw = root[metric.Name];
      const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      for (const set of dimensionSets) {
        if (!Array.isArray(set)) continue;
        const dimensions: Record<string, string> = {};
        for (const name of set) if (typeof name === 'string' && root[name] !== undefined) dimensions[name] = String(root[name]);
        for (const value of values)
          points.push({
            namespace: directive.Namespace,
            metricName: metric.Name,
            dimensions,
            timestamp,
            value,
            ...(typeof metric.Unit === 'string' ? { unit: metric.Unit } : {}),
          });
      }
    }
  }
  return points;
}

const PERCENTILE = /^p([\d.]+)$/i;

/** Whether the local runtime computes this statistic (the basic ones, and percentiles pNN). */
export function isStatistic(stat: string): boolean {
  if (['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'].includes(stat)) return true;
  const percentile = Number(PERCENTILE.exec(stat)?.[1]);
  return percentile > 0 && percentile <= 100;
}

/**
 * A CloudWatch statistic over a period's values: Sum, Average, Minimum, Maximum, SampleCount or a percentile (p99,
 * p99.9); undefined when the period has no values (missing data).
 */
export function statistic(stat: string, values: readonly number[]): number | undefined {
  if (!isStatistic(stat)) throw new Error(`Statistic ${stat} is not evaluated locally`);
  if (values.length === 0) return undefined;
  switch (stat) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Minimum':
      return Math.min(...values);
    case 'Maximum':
      return Math.max(...values);
    case 'SampleCount':
      return values.length;
    default: {
      const percentile = Number(PERCENTILE.exec(stat)?.[1]);
      const sorted = [...values].sort((a, b) => a - b);
      // Nearest rank, as CloudWatch's percentiles of raw values.
      const rank = Math.max(1, Math.ceil((percentile / 100) * sorted.length));
      return sorted[rank - 1];
    }
  }
}
