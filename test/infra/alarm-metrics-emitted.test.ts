import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { STACK_KEYS, STAGES, synthStage } from './synth-stage';

/**
 * Issue 17, item 3: an alarm on a custom metric that no code emits would never fire. Every alarm of every stage whose
 * namespace is not AWS/* must watch a metric that some code under functions/ or shared/ emits (Powertools
 * `addMetric` with a literal name, a constant's literal values, or the keys of `addTotals`), in the namespace and
 * with a `service` the stage's functions are given (POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME).
 */

const ROOT = path.join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The string literals an expression can be: a literal, a conditional of literals, or a const initialized so. */
function literalsOf(node: ts.Expression, file: ts.SourceFile): string[] {
  if (ts.isStringLiteralLike(node)) return [node.text];
  if (ts.isConditionalExpression(node)) return [...literalsOf(node.whenTrue, file), ...literalsOf(node.whenFalse, file)];
  if (ts.isParenthesizedExpression(node)) return literalsOf(node.expression, file);
  if (ts.isIdentifier(node)) {
    const found: string[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === node.text && n.initializer) found.push(...literalsOf(n.initializer, file));
      ts.forEachChild(n, visit);
    };
    visit(file);
    return found;
  }
  return [];
}

/** Every metric name the code emits through Powertools Metrics. */
function emittedMetricNames(files: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const fileName of files) {
    const text = readFileSync(fileName, 'utf8');
    if (!text.includes('addMetric') && !text.includes('addTotals')) continue;
    const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const callee = node.expression;
        const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
        const [first, second] = node.arguments;
        if (name === 'addMetric' && first) for (const n of literalsOf(first, file)) names.add(n);
        if (name === 'addTotals' && second && ts.isObjectLiteralExpression(second))
          for (const p of second.properties) if (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) names.add(p.name.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return names;
}

interface WatchedMetric {
  readonly alarm: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly service?: string;
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** The custom (not AWS/*) metrics the alarms of these templates watch, directly or in their metric math. */
function customAlarmMetrics(templates: readonly Resources[]): WatchedMetric[] {
  const watched: WatchedMetric[] = [];
  for (const resources of templates) {
    for (const [logicalId, r] of Object.entries(resources)) {
      if (r.Type !== 'AWS::CloudWatch::Alarm') continue;
      const p = r.Properties ?? {};
      type Metric = { Namespace?: unknown; MetricName?: unknown; Dimensions?: Array<{ Name: string; Value: unknown }> };
      const metrics: Metric[] = Array.isArray(p.Metrics)
        ? (p.Metrics as Array<{ MetricStat?: { Metric?: Metric } }>).flatMap((m) => (m.MetricStat?.Metric ? [m.MetricStat.Metric] : []))
        : [p as Metric];
      for (const m of metrics) {
        // AWS services' own namespaces: AWS/* and CloudWatch Synthetics' (a canary's runs, emitted by the service).
        if (typeof m.Namespace !== 'string' || m.Namespace.startsWith('AWS/') || m.Namespace === 'CloudWatchSynthetics') continue;
        const service = m.Dimensions?.find((d) => d.Name === 'service')?.Value;
        watched.push({ alarm: logicalId, namespace: m.Namespace, metricName: String(m.MetricName), ...(typeof service === 'string' ? { service } : {}) });
      }
    }
  }
  return watched;
}

/** The alarms among `watched` whose metric no code emits, or that no function of the stage emits under its namespace and service. */
function unemitted(watched: readonly WatchedMetric[], emitted: ReadonlySet<string>, namespaces: ReadonlySet<string>, services: ReadonlySet<string>): string[] {
  return watched
    .filter((w) => !emitted.has(w.metricName) || !namespaces.has(w.namespace) || (w.service !== undefined && !services.has(w.service)))
    .map((w) => `${w.alarm}: ${w.namespace}/${w.metricName}${w.service ? ` (service ${w.service})` : ''}`);
}

const emitted = emittedMetricNames([...sourceFiles(path.join(ROOT, 'functions')), ...sourceFiles(path.join(ROOT, 'shared'))]);

describe('the scan of emitted metrics', () => {
  it('finds names given literally, through a constant, and as addTotals keys', () => {
    for (const name of ['OrdersStuckPastHold', 'WebhookSignatureFailures', 'WebhookEventsMalformed', 'StockNoticesSent', 'ProviderCircuitOpen'])
      expect(emitted.has(name)).toBe(true);
  });

  it('reports an alarm on a metric nobody emits, in a namespace or for a service no function has', () => {
    const template: Resources = {
      Good: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: { Namespace: 'Stockade', MetricName: 'OrdersStuckPastHold', Dimensions: [{ Name: 'service', Value: 'orders' }] },
      },
      Unknown: { Type: 'AWS::CloudWatch::Alarm', Properties: { Namespace: 'Stockade', MetricName: 'NeverEmitted' } },
      OtherNamespace: { Type: 'AWS::CloudWatch::Alarm', Properties: { Namespace: 'Elsewhere', MetricName: 'OrdersStuckPastHold' } },
      Math: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          Metrics: [
            {
              Id: 'm1',
              MetricStat: { Metric: { Namespace: 'Stockade', MetricName: 'OrdersStuckPastHold', Dimensions: [{ Name: 'service', Value: 'nobody' }] } },
            },
          ],
        },
      },
      Lambda: { Type: 'AWS::CloudWatch::Alarm', Properties: { Namespace: 'AWS/Lambda', MetricName: 'Errors' } },
    };
    expect(unemitted(customAlarmMetrics([template]), emitted, new Set(['Stockade']), new Set(['orders']))).toEqual([
      'Unknown: Stockade/NeverEmitted',
      'OtherNamespace: Elsewhere/OrdersStuckPastHold',
      'Math: Stockade/OrdersStuckPastHold (service nobody)',
    ]);
  });
});

describe.each(STAGES)('custom metrics alarmed in stage %s', (stage) => {
  it('are each emitted by some code, in a namespace and service the functions have', () => {
    const { templates } = synthStage(stage);
    const all = STACK_KEYS.map((key) => (templates[key].toJSON() as { Resources?: Resources }).Resources ?? {});
    const env = all.flatMap((resources) =>
      Object.values(resources)
        .filter((r) => r.Type === 'AWS::Lambda::Function')
        .map((r) => ((r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>),
    );
    const namespaces = new Set(env.map((v) => v.POWERTOOLS_METRICS_NAMESPACE).filter((v): v is string => typeof v === 'string'));
    const services = new Set(env.map((v) => v.POWERTOOLS_SERVICE_NAME).filter((v): v is string => typeof v === 'string'));
    const watched = customAlarmMetrics(all);
    expect(watched.length).toBeGreaterThan(5);
    expect(unemitted(watched, emitted, namespaces, services)).toEqual([]);
  });
});
