import { evaluateMetricAlarm, type MetricAlarmRule } from '../../../local/aws/cloudwatch/alarm-evaluation';
import { CloudWatchService } from '../../../local/aws/cloudwatch/cloudwatch';
import { evaluateAlarmRule, evaluateMetricMath, UnsupportedExpressionError } from '../../../local/aws/cloudwatch/expressions';
import { emfDatapoints, type MetricKey, MetricStore, statistic } from '../../../local/aws/cloudwatch/metric-store';
import type { CloudAssembly, TemplateResource } from '../../../local/runtime/assembly';
import { IntrinsicResolver } from '../../../local/runtime/intrinsics';

/** Issue 17, item 3: the local CloudWatch's pieces, apart from the runtime (which test/integration/alarms.test.ts drives). */

const errors: MetricKey = { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'f' } };
const PERIOD = 1_000;
const NOW = 1_000_000;

function rule(overrides: Partial<MetricAlarmRule> = {}): MetricAlarmRule {
  return {
    queries: [{ id: 'm1', metricStat: { metric: errors, stat: 'Sum', period: 300 }, returnData: true }],
    period: 300,
    comparisonOperator: 'GreaterThanThreshold',
    threshold: 0,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: 'notBreaching',
    ...overrides,
  };
}

function storeWith(...points: Array<[number, number]>): MetricStore {
  const store = new MetricStore(60 * 60 * 1000);
  for (const [age, value] of points) store.put({ ...errors, timestamp: NOW - age, value });
  return store;
}

describe('local CloudWatch', () => {
  it('reads every metric and dimension set of a Powertools EMF line, and nothing from other lines', () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: 1,
        CloudWatchMetrics: [{ Namespace: 'Stockade', Dimensions: [['service', 'webhook']], Metrics: [{ Name: 'WebhookSignatureFailures', Unit: 'Count' }] }],
      },
      service: 'payments',
      webhook: 'stripe',
      WebhookSignatureFailures: [1, 2],
    });
    expect(emfDatapoints(line, 5)).toEqual([
      {
        namespace: 'Stockade',
        metricName: 'WebhookSignatureFailures',
        dimensions: { service: 'payments', webhook: 'stripe' },
        timestamp: 5,
        value: 1,
        unit: 'Count',
      },
      {
        namespace: 'Stockade',
        metricName: 'WebhookSignatureFailures',
        dimensions: { service: 'payments', webhook: 'stripe' },
        timestamp: 5,
        value: 2,
        unit: 'Count',
      },
    ]);
    expect(emfDatapoints('{"level":"INFO","message":"_aws"}', 5)).toEqual([]);
    expect(emfDatapoints('not json "_aws"', 5)).toEqual([]);
  });

  it('matches a metric by its exact dimension set, as CloudWatch does', () => {
    const store = new MetricStore(60_000);
    store.put({ namespace: 'Stockade', metricName: 'X', dimensions: { service: 'a', webhook: 'stripe' }, timestamp: 10, value: 1 });
    expect(store.values({ namespace: 'Stockade', metricName: 'X', dimensions: { service: 'a' } }, 0, 20)).toEqual([]);
    expect(store.values({ namespace: 'Stockade', metricName: 'X', dimensions: { webhook: 'stripe', service: 'a' } }, 0, 20)).toEqual([1]);
  });

  it('keeps values in time order whatever order they arrive in, and only for the retention', () => {
    const store = new MetricStore(100);
    for (const [timestamp, value] of [
      [50, 5],
      [10, 1],
      [30, 3],
      [60, 6],
    ] as const)
      store.put({ ...errors, timestamp, value });
    expect(store.values(errors, 10, 50)).toEqual([3, 5]);
    store.prune(140);
    expect(store.values(errors, 0, 200)).toEqual([5, 6]);
    store.prune(1_000);
    expect(store.metrics()).toEqual([]);
  });

  it('computes the statistics and percentiles alarms use', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(statistic('Sum', [1, 2, 3])).toBe(6);
    expect(statistic('Maximum', [1, 5, 3])).toBe(5);
    expect(statistic('SampleCount', [1, 5, 3])).toBe(3);
    expect(statistic('Average', [1, 5, 3])).toBe(3);
    expect(statistic('p99', values)).toBe(99);
    expect(statistic('p50', values)).toBe(50);
    expect(statistic('Sum', [])).toBeUndefined();
  });

  it('evaluates the metric math the template uses, missing in, missing out', () => {
    const expression = 'IF(requests > 0, 100 * errors / requests, 0)';
    expect(evaluateMetricMath(expression, (id) => ({ requests: 200, errors: 3 })[id])).toBe(1.5);
    expect(evaluateMetricMath(expression, (id) => ({ requests: 0, errors: 0 })[id])).toBe(0);
    expect(evaluateMetricMath(expression, () => undefined)).toBeUndefined();
    expect(evaluateMetricMath('FILL(a, 7) + 1', () => undefined)).toBe(8);
    expect(evaluateMetricMath('2 + 3 * 4 - -1', () => undefined)).toBe(15);
    expect(() => evaluateMetricMath('ANOMALY_DETECTION_BAND(m0, 3)', () => 1)).toThrow(UnsupportedExpressionError);
  });

  it('evaluates composite alarm rules by name or ARN', () => {
    const states: Record<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'> = { 'arn:aws:cloudwatch:r:1:alarm:a': 'ALARM', b: 'OK', c: 'INSUFFICIENT_DATA' };
    const stateOf = (n: string) => states[n];
    expect(evaluateAlarmRule('(ALARM("arn:aws:cloudwatch:r:1:alarm:a") OR ALARM("b"))', stateOf)).toBe(true);
    expect(evaluateAlarmRule('ALARM("arn:aws:cloudwatch:r:1:alarm:a") AND ALARM(b)', stateOf)).toBe(false);
    expect(evaluateAlarmRule('NOT OK(b) OR INSUFFICIENT_DATA(c)', stateOf)).toBe(true);
    expect(evaluateAlarmRule('FALSE OR (TRUE AND NOT ALARM("b"))', stateOf)).toBe(true);
  });

  it('fires on a breaching period, and clears once the period has passed (missing data not breaching)', () => {
    expect(evaluateMetricAlarm(rule(), storeWith([100, 1]), NOW, PERIOD).state).toBe('ALARM');
    expect(evaluateMetricAlarm(rule(), storeWith([1_500, 1]), NOW, PERIOD).state).toBe('OK');
    expect(evaluateMetricAlarm(rule(), storeWith([100, 0]), NOW, PERIOD).state).toBe('OK');
  });

  it('needs DatapointsToAlarm of EvaluationPeriods breaching, and treats missing data as the alarm says', () => {
    const threeOfThree = rule({ evaluationPeriods: 3, datapointsToAlarm: 3 });
    expect(evaluateMetricAlarm(threeOfThree, storeWith([100, 1], [1_100, 1]), NOW, PERIOD).state).toBe('OK');
    expect(evaluateMetricAlarm(threeOfThree, storeWith([100, 1], [1_100, 1], [2_100, 1]), NOW, PERIOD).state).toBe('ALARM');
    expect(evaluateMetricAlarm({ ...threeOfThree, treatMissingData: 'breaching' }, storeWith([100, 1]), NOW, PERIOD).state).toBe('ALARM');
    expect(evaluateMetricAlarm(rule({ treatMissingData: 'missing' }), storeWith(), NOW, PERIOD).state).toBe('INSUFFICIENT_DATA');
    expect(evaluateMetricAlarm(rule({ treatMissingData: 'ignore' }), storeWith(), NOW, PERIOD).state).toBeUndefined();
  });

  it('refuses to evaluate an anomaly detection alarm rather than guess', () => {
    expect(() => evaluateMetricAlarm(rule({ threshold: undefined, thresholdMetricId: 'ad1' }), storeWith(), NOW, PERIOD)).toThrow(UnsupportedExpressionError);
  });
});

describe('the local CloudWatch service', () => {
  const TOPIC = 'arn:aws:sns:us-east-1:000000000000:Tickets';
  const resource = (logicalId: string, type: string, properties: Record<string, unknown>): TemplateResource => ({
    stackName: 'Stockade-test-Observability',
    logicalId,
    type,
    properties,
    metadata: {},
  });
  const metricAlarm = (statistic: string) => ({
    Namespace: 'Stockade',
    MetricName: 'OrdersStuckPastHold',
    Dimensions: [{ Name: 'service', Value: 'orders' }],
    Statistic: statistic,
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
    AlarmDescription: 'Orders stuck. Runbook: https://example.test/ops#stuck',
    AlarmActions: [TOPIC],
    OKActions: [TOPIC],
  });

  it('fires on a datapoint, runs the alarm and composite actions, clears when the period has passed, and skips what it cannot evaluate', async () => {
    const published: Array<{ topic: string; message: Record<string, unknown> }> = [];
    const service = new CloudWatchService({
      periodSeconds: 0.2,
      publish: (topic, message) => Promise.resolve(published.push({ topic, message: JSON.parse(message) as Record<string, unknown> }) > 0),
    });
    const stuck = resource('Stuck', 'AWS::CloudWatch::Alarm', metricAlarm('Sum'));
    const odd = resource('Odd', 'AWS::CloudWatch::Alarm', metricAlarm('TrimmedMean(10%:90%)'));
    const arn = service.physical(stuck).attributes.Arn as string;
    const page = resource('Page', 'AWS::CloudWatch::CompositeAlarm', {
      AlarmName: 'Page',
      AlarmRule: `ALARM("${arn}")`,
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
    });
    const resolver = new IntrinsicResolver({ stacks: [] } as unknown as CloudAssembly, () => undefined);
    await service.provision([stuck, odd, page], resolver);
    const state = (name: string) => service.states().find((a) => a.name === name)?.state;
    const stuckName = service.physical(stuck).ref;

    await service.evaluate();
    expect([state(stuckName), state('Page')]).toEqual(['OK', 'OK']);
    expect(published).toEqual([]); // Settling from INSUFFICIENT_DATA at the first evaluation notifies nobody.

    service.lambdaObserver.logged(
      {} as never,
      JSON.stringify({
        _aws: { CloudWatchMetrics: [{ Namespace: 'Stockade', Dimensions: [['service']], Metrics: [{ Name: 'OrdersStuckPastHold' }] }] },
        service: 'orders',
        OrdersStuckPastHold: 1,
      }),
    );
    await service.evaluate();
    expect([state(stuckName), state('Page')]).toEqual(['ALARM', 'ALARM']);
    expect(published.map((p) => [p.topic, p.message.AlarmName, p.message.OldStateValue, p.message.NewStateValue])).toEqual([
      [TOPIC, stuckName, 'OK', 'ALARM'],
      [TOPIC, 'Page', 'OK', 'ALARM'],
    ]);
    expect(published[0]?.message).toMatchObject({ AlarmDescription: 'Orders stuck. Runbook: https://example.test/ops#stuck', AlarmArn: arn });

    await new Promise((r) => setTimeout(r, 300));
    await service.evaluate();
    expect([state(stuckName), state('Page')]).toEqual(['OK', 'OK']);
    expect(published.slice(2).map((p) => p.message.NewStateValue)).toEqual(['OK', 'OK']);
    expect(state(service.physical(odd).ref)).toBe('INSUFFICIENT_DATA');
  });
});
