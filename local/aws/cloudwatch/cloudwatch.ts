import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TemplateResource } from '../../runtime/assembly';
import { LOCAL_ACCOUNT, LOCAL_REGION, type IntrinsicResolver, type ResolvedResource } from '../../runtime/intrinsics';
import { LoopbackHttpServer, readBody } from '../../runtime/net';
import { type RequestAuthorizer, sendRefusal } from '../iam/authorizing-proxy';
import type { InvocationObserver } from '../lambda/local-function';
import { AwsServiceError, generatedName, type LocalService } from '../service';
import { type ComparisonOperator, evaluateMetricAlarm, type MetricAlarmRule, type MetricQuery, queryValues, type TreatMissingData } from './alarm-evaluation';
import { type AlarmStateValue, evaluateAlarmRule, UnsupportedExpressionError } from './expressions';
import { type Datapoint, emfDatapoints, isStatistic, MetricStore } from './metric-store';

/** Publishes an alarm notification to an SNS topic of the template; false when the ARN names no topic. */
export type AlarmPublisher = (topicArn: string, message: string, subject: string) => Promise<boolean>;

export interface CloudWatchServiceOptions {
  /** Alarm actions: SNS topics (the runtime's SnsService#publish). */
  readonly publish: AlarmPublisher;
  /** Authorizes each API request with IAM. @default none */
  readonly authorize?: RequestAuthorizer;
  /**
   * How long one period of any alarm lasts locally, in seconds (STOCKADE_ALARM_PERIOD_SECONDS), so that a test sees an
   * alarm fire and clear in seconds. @default each alarm's own Period
   */
  readonly periodSeconds?: number;
  /** Metrics sampled on every evaluation (queue depths and ages), as CloudWatch samples them. @default none */
  readonly sample?: () => Datapoint[];
}

interface LocalAlarm {
  readonly type: 'MetricAlarm' | 'CompositeAlarm';
  readonly name: string;
  readonly arn: string;
  /** The alarm as DescribeAlarms answers it, less its state. */
  readonly description: Record<string, unknown>;
  readonly actionsEnabled: boolean;
  readonly actions: Readonly<Record<AlarmStateValue, readonly string[]>>;
  readonly rule?: MetricAlarmRule;
  readonly alarmRule?: string;
  /** Why the runtime does not evaluate it (anomaly detection), when it does not. */
  unsupported?: string;
  state: AlarmStateValue;
  reason: string;
  reasonData?: string;
  updatedAt: number;
  transitionedAt: number;
  /** Set after its first evaluation: the settling of INSUFFICIENT_DATA into OK notifies nobody locally. */
  evaluated: boolean;
}

interface HistoryItem {
  readonly AlarmName: string;
  readonly AlarmType: string;
  readonly Timestamp: number;
  readonly HistoryItemType: 'StateUpdate' | 'Action';
  readonly HistorySummary: string;
  readonly HistoryData: string;
}

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';
const REGION_NAME = 'US East (N. Virginia)';

/**
 * CloudWatch, played locally for the template's alarms. Metrics come from what the runtime observes: the embedded
 * metric format lines the functions log, each invocation's Invocations, Errors, Throttles and Duration (AWS/Lambda
 * by FunctionName), the API's Count, 4XXError, 5XXError and Latency (AWS/ApiGateway by ApiName), the state machines'
 * executions (AWS/States by StateMachineArn), queue depth and oldest message age sampled on each evaluation
 * (AWS/SQS by QueueName), and PutMetricData. On a timer, every AWS::CloudWatch::Alarm is evaluated (statistics,
 * percentiles, EvaluationPeriods, DatapointsToAlarm, TreatMissingData, metric math), then every
 * AWS::CloudWatch::CompositeAlarm's rule; a state change runs the alarm's actions (SNS topics: the notification is
 * the CloudWatch alarm JSON). Anomaly detection alarms are not evaluated: they stay INSUFFICIENT_DATA.
 *
 * The API speaks what the pinned @aws-sdk/client-cloudwatch speaks (AWS JSON 1.0, query-compatible errors):
 * DescribeAlarms, DescribeAlarmHistory, GetMetricData, ListMetrics, PutMetricData and SetAlarmState.
 */
export class CloudWatchService implements LocalService {
  readonly name = 'CloudWatch';
  readonly resourceTypes = ['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm'] as const;
  readonly store = new MetricStore(3 * 60 * 60 * 1000);
  private readonly http = new LoopbackHttpServer((req, res) => this.handle(req, res));
  private readonly alarms = new Map<string, LocalAlarm>();
  private readonly history: HistoryItem[] = [];
  private timer?: NodeJS.Timeout;
  private evaluating?: Promise<void>;
  private stopped = false;

  constructor(private readonly options: CloudWatchServiceOptions) {
    const seconds = options.periodSeconds;
    if (seconds !== undefined && !(seconds > 0)) throw new Error(`The local alarm period must be a positive number of seconds, got ${seconds}`);
  }

  get endpoint(): string {
    return this.http.endpoint;
  }

  start(): Promise<void> {
    return this.http.start();
  }

  physical(resource: TemplateResource): ResolvedResource {
    const name = typeof resource.properties.AlarmName === 'string' ? resource.properties.AlarmName : generatedName(resource, 255);
    const arn = `arn:aws:cloudwatch:${LOCAL_REGION}:${LOCAL_ACCOUNT}:alarm:${name}`;
    return { ref: name, attributes: { Arn: arn } };
  }

  async provision(resources: readonly TemplateResource[], resolver: IntrinsicResolver): Promise<void> {
    const now = Date.now();
    for (const resource of resources) {
      const p = resolver.resolve(resource.properties, resource.stackName) as Record<string, unknown>;
      const { ref: name, attributes } = this.physical(resource);
      const arn = attributes.Arn as string;
      const list = (key: string) => (Array.isArray(p[key]) ? (p[key] as unknown[]).map(String) : []);
      const actions = { ALARM: list('AlarmActions'), OK: list('OKActions'), INSUFFICIENT_DATA: list('InsufficientDataActions') };
      const { Tags: _tags, ...shown } = p;
      const composite = resource.type === 'AWS::CloudWatch::CompositeAlarm';
      const alarm: LocalAlarm = {
        type: composite ? 'CompositeAlarm' : 'MetricAlarm',
        name,
        arn,
        description: { ...shown, AlarmName: name, AlarmArn: arn, AlarmConfigurationUpdatedTimestamp: now / 1000, ActionsEnabled: p.ActionsEnabled !== false },
        actionsEnabled: p.ActionsEnabled !== false,
        actions,
        ...(composite ? { alarmRule: String(p.AlarmRule) } : { rule: metricAlarmRule(p) }),
        state: 'INSUFFICIENT_DATA',
        reason: 'Unchecked: Initial alarm creation',
        updatedAt: now,
        transitionedAt: now,
        evaluated: false,
      };
      if (alarm.rule && (alarm.rule.thresholdMetricId !== undefined || alarm.rule.threshold === undefined))
        alarm.unsupported = 'Anomaly detection is not evaluated by the local runtime (docs/operations.md, "Alarms on the local runtime")';
      const unknownStat = alarm.rule?.queries.find((q) => q.metricStat && !isStatistic(q.metricStat.stat))?.metricStat?.stat;
      if (unknownStat !== undefined) alarm.unsupported = `Statistic ${unknownStat} is not evaluated by the local runtime`;
      if (alarm.unsupported) alarm.reason = alarm.unsupported;
      this.alarms.set(name, alarm);
    }
    // Values are kept as long as the longest-looking alarm needs them, and at least 15 minutes (GetMetricData).
    const longest = Math.max(0, ...[...this.alarms.values()].map((a) => (a.rule ? this.periodMs(a.rule.period) * (a.rule.evaluationPeriods + 1) : 0)));
    this.store.retainFor(Math.max(15 * 60 * 1000, longest));
  }

  /** Evaluates every alarm now and then on the timer, until the runtime stops. */
  startEvaluating(): void {
    const tickMs = this.options.periodSeconds !== undefined ? Math.max(100, (this.options.periodSeconds * 1000) / 4) : 10_000;
    this.timer = setInterval(() => {
      this.evaluate().catch((error: unknown) => process.stderr.write(`[cloudwatch] evaluation failed: ${(error as Error).stack ?? String(error)}\n`));
    }, tickMs);
    this.timer.unref();
  }

  /** One evaluation of every alarm (and their actions); concurrent calls share the one running. */
  evaluate(): Promise<void> {
    this.evaluating ??= this.evaluateAll().finally(() => (this.evaluating = undefined));
    return this.evaluating;
  }

  /** What the runtime's functions report to CloudWatch: each invocation's metrics, and the EMF lines of their logs. */
  readonly lambdaObserver: InvocationObserver = {
    invoked: (fn, outcome, durationMs) => {
      const now = Date.now();
      const put = (metricName: string, value: number, unit: string) =>
        this.store.put({ namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: fn.functionName }, timestamp: now, value, unit });
      if (!outcome.ok && outcome.rejected) {
        if (outcome.rejected.type === 'TooManyRequestsException') put('Throttles', 1, 'Count');
        return;
      }
      if (!outcome.ok && outcome.error.errorType === 'ServiceException') return;
      put('Invocations', 1, 'Count');
      put('Errors', outcome.ok ? 0 : 1, 'Count');
      put('Duration', durationMs, 'Milliseconds');
    },
    logged: (_fn, line) => {
      for (const point of emfDatapoints(line, Date.now())) this.store.put(point);
    },
  };

  /** Records one API response as API Gateway's metrics of the API named `apiName` (its RestApi Name). */
  apiResponse(apiName: string, response: { status: number; latencyMs: number }): void {
    const now = Date.now();
    const dimensions = { ApiName: apiName };
    const put = (metricName: string, value: number, unit: string) =>
      this.store.put({ namespace: 'AWS/ApiGateway', metricName, dimensions, timestamp: now, value, unit });
    put('Count', 1, 'Count');
    put('4XXError', response.status >= 400 && response.status < 500 ? 1 : 0, 'Count');
    put('5XXError', response.status >= 500 ? 1 : 0, 'Count');
    put('Latency', response.latencyMs, 'Milliseconds');
  }

  /** Records a state machine execution that started or ended, as Step Functions' metrics. */
  execution(stateMachineArn: string, status: 'STARTED' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'RUNNING'): void {
    const metricName = {
      STARTED: 'ExecutionsStarted',
      RUNNING: 'ExecutionsStarted',
      SUCCEEDED: 'ExecutionsSucceeded',
      FAILED: 'ExecutionsFailed',
      TIMED_OUT: 'ExecutionsTimedOut',
      ABORTED: 'ExecutionsAborted',
    }[status];
    this.store.put({ namespace: 'AWS/States', metricName, dimensions: { StateMachineArn: stateMachineArn }, timestamp: Date.now(), value: 1, unit: 'Count' });
  }

  /** Every alarm's name, type and state (for the banner and tests in process). */
  states(): Array<{ name: string; type: string; state: AlarmStateValue }> {
    return [...this.alarms.values()].map((a) => ({ name: a.name, type: a.type, state: a.state }));
  }

  sdkEnvironment(): Record<string, string> {
    return { AWS_ENDPOINT_URL_CLOUDWATCH: this.endpoint };
  }

  describe(): string[] {
    const all = [...this.alarms.values()];
    const unsupported = all.filter((a) => a.unsupported).length;
    const period = this.options.periodSeconds !== undefined ? `every period lasts ${this.options.periodSeconds} s` : 'periods as in the template';
    return [
      `${this.name.padEnd(16)} ${this.endpoint}  (${all.filter((a) => a.type === 'MetricAlarm').length} alarms, ${all.filter((a) => a.type === 'CompositeAlarm').length} composite; ${period}${unsupported ? `; ${unsupported} anomaly detection not evaluated` : ''})`,
    ];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.evaluating?.catch(() => undefined);
    await this.http.stop();
  }

  private periodMs(templatePeriodSeconds: number): number {
    return (this.options.periodSeconds ?? templatePeriodSeconds) * 1000;
  }

  private async evaluateAll(): Promise<void> {
    const now = Date.now();
    for (const point of this.options.sample?.() ?? []) this.store.put(point);
    const changes: Array<{ alarm: LocalAlarm; from: AlarmStateValue; notify: boolean }> = [];
    const apply = (alarm: LocalAlarm, state: AlarmStateValue | undefined, reason: string, reasonData?: string) => {
      const first = !alarm.evaluated;
      alarm.evaluated = true;
      alarm.updatedAt = now;
      if (!state || state === alarm.state) return;
      const from = alarm.state;
      alarm.state = state;
      alarm.reason = reason;
      alarm.reasonData = reasonData;
      alarm.transitionedAt = now;
      changes.push({ alarm, from, notify: !(first && from === 'INSUFFICIENT_DATA' && state === 'OK') });
    };
    for (const alarm of this.alarms.values()) {
      if (!alarm.rule || alarm.unsupported) continue;
      try {
        const result = evaluateMetricAlarm(alarm.rule, this.store, now, this.periodMs(alarm.rule.period));
        apply(
          alarm,
          result.state,
          result.reason,
          JSON.stringify({ version: '1.0', queryDate: new Date(now).toISOString(), recentDatapoints: result.values, threshold: alarm.rule.threshold }),
        );
      } catch (error) {
        this.cannotEvaluate(alarm, error);
      }
    }
    // Composites may name composites: settle them in a few passes.
    for (let pass = 0; pass < 3; pass++) {
      for (const alarm of this.alarms.values()) {
        if (!alarm.alarmRule || alarm.unsupported) continue;
        let firing: boolean;
        try {
          firing = evaluateAlarmRule(alarm.alarmRule, (nameOrArn) => this.find(nameOrArn)?.state);
        } catch (error) {
          this.cannotEvaluate(alarm, error);
          continue;
        }
        const state: AlarmStateValue = firing ? 'ALARM' : 'OK';
        if (state !== alarm.state) apply(alarm, state, firing ? 'At least one alarm of the rule is in ALARM' : 'The rule is no longer true', undefined);
        else alarm.evaluated = true;
      }
    }
    this.store.prune(now);
    for (const change of changes) {
      this.record(change.alarm, 'StateUpdate', `Alarm updated from ${change.from} to ${change.alarm.state}`, {
        version: '1.0',
        oldState: { stateValue: change.from },
        newState: { stateValue: change.alarm.state, stateReason: change.alarm.reason },
      });
      if (change.notify && !this.stopped) await this.runActions(change.alarm, change.from);
    }
  }

  /**
   * An alarm the runtime cannot evaluate (anomaly detection, or a statistic or expression it does not know) is left
   * as it is, with the reason as its StateReason, and said once on stderr: it must not stop the others.
   */
  private cannotEvaluate(alarm: LocalAlarm, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    alarm.unsupported = message;
    alarm.reason = `Not evaluated by the local runtime: ${message}`;
    if (!(error instanceof UnsupportedExpressionError)) process.stderr.write(`[cloudwatch] ${alarm.name} is not evaluated: ${message}\n`);
  }

  private find(nameOrArn: string): LocalAlarm | undefined {
    return this.alarms.get(nameOrArn) ?? [...this.alarms.values()].find((a) => a.arn === nameOrArn);
  }

  private record(alarm: LocalAlarm, type: HistoryItem['HistoryItemType'], summary: string, data: unknown): void {
    this.history.push({
      AlarmName: alarm.name,
      AlarmType: alarm.type,
      Timestamp: Date.now() / 1000,
      HistoryItemType: type,
      HistorySummary: summary,
      HistoryData: JSON.stringify(data),
    });
    if (this.history.length > 10_000) this.history.splice(0, this.history.length - 10_000);
  }

  /** Publishes the alarm's state change to each SNS topic of the actions of its new state. */
  private async runActions(alarm: LocalAlarm, from: AlarmStateValue): Promise<void> {
    if (!alarm.actionsEnabled) return;
    const message = JSON.stringify(this.notificationOf(alarm, from));
    const subject = `${alarm.state}: "${alarm.name}" in ${REGION_NAME}`;
    for (const arn of alarm.actions[alarm.state]) {
      const published = arn.startsWith('arn:aws:sns:') ? await this.options.publish(arn, message, subject) : false;
      this.record(alarm, 'Action', published ? `Successfully executed action ${arn}` : `Failed to execute action ${arn}`, {
        actionState: published ? 'Succeeded' : 'Failed',
        notificationResource: arn,
      });
    }
  }

  /** The JSON CloudWatch publishes to an alarm's topic on a state change. */
  private notificationOf(alarm: LocalAlarm, from: AlarmStateValue): Record<string, unknown> {
    const d = alarm.description;
    return {
      AlarmName: alarm.name,
      AlarmDescription: d.AlarmDescription ?? null,
      AWSAccountId: LOCAL_ACCOUNT,
      AlarmConfigurationUpdatedTimestamp: new Date(Number(d.AlarmConfigurationUpdatedTimestamp) * 1000).toISOString(),
      NewStateValue: alarm.state,
      NewStateReason: alarm.reason,
      StateChangeTime: new Date(alarm.transitionedAt).toISOString(),
      Region: REGION_NAME,
      AlarmArn: alarm.arn,
      OldStateValue: from,
      OKActions: alarm.actions.OK,
      AlarmActions: alarm.actions.ALARM,
      InsufficientDataActions: alarm.actions.INSUFFICIENT_DATA,
      ...(alarm.type === 'CompositeAlarm'
        ? { AlarmRule: alarm.alarmRule }
        : {
            Trigger: {
              MetricName: d.MetricName,
              Namespace: d.Namespace,
              StatisticType: d.ExtendedStatistic ? 'ExtendedStatistic' : 'Statistic',
              Statistic: d.Statistic ?? null,
              ExtendedStatistic: d.ExtendedStatistic ?? null,
              Unit: null,
              Dimensions: ((d.Dimensions as Array<{ Name: string; Value: string }> | undefined) ?? []).map((x) => ({ name: x.Name, value: x.Value })),
              ...(d.Metrics ? { Metrics: d.Metrics } : {}),
              Period: d.Period,
              EvaluationPeriods: d.EvaluationPeriods,
              DatapointsToAlarm: d.DatapointsToAlarm ?? d.EvaluationPeriods,
              ComparisonOperator: d.ComparisonOperator,
              Threshold: d.Threshold,
              TreatMissingData: d.TreatMissingData ?? 'missing',
              EvaluateLowSampleCountPercentile: '',
            },
          }),
    };
  }

  // --- The API (AWS JSON 1.0, as the pinned @aws-sdk/client-cloudwatch sends it) ---

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const refused = await this.options.authorize?.({ service: 'cloudwatch', headers: req.headers, body, path: req.url });
    if (refused) return sendRefusal(res, refused);
    const target = String(req.headers['x-amz-target'] ?? '');
    try {
      if (!target.startsWith(TARGET_PREFIX)) throw new AwsServiceError('InvalidAction', `Unknown target ${target}`);
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new AwsServiceError('InvalidParameterValue', 'The request body is not JSON');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input))
        throw new AwsServiceError('InvalidParameterValue', 'The request body is not an object');
      send(res, 200, await this.operation(target.slice(TARGET_PREFIX.length), input));
    } catch (error) {
      if (!(error instanceof AwsServiceError)) {
        process.stderr.write(`[cloudwatch] ${(error as Error).stack ?? String(error)}\n`);
        return send(res, 500, { __type: 'InternalServiceFault', message: 'Internal failure' }, 'InternalServiceError;Receiver');
      }
      send(res, error.status, { __type: error.type, message: error.message }, `${error.type};Sender`);
    }
  }

  private async operation(op: string, input: Record<string, unknown>): Promise<unknown> {
    switch (op) {
      case 'DescribeAlarms':
        return this.describeAlarms(input);
      case 'DescribeAlarmHistory':
        return this.describeAlarmHistory(input);
      case 'GetMetricData':
        return this.getMetricData(input);
      case 'ListMetrics':
        return this.listMetrics(input);
      case 'PutMetricData':
        this.putMetricData(input);
        return {};
      case 'SetAlarmState':
        await this.setAlarmState(input);
        return {};
      default:
        throw new AwsServiceError('InvalidAction', `${op} is not played by the local runtime`);
    }
  }

  private describeAlarms(input: Record<string, unknown>): unknown {
    const names = Array.isArray(input.AlarmNames) ? new Set((input.AlarmNames as unknown[]).map(String)) : undefined;
    const prefix = typeof input.AlarmNamePrefix === 'string' ? input.AlarmNamePrefix : undefined;
    const types = Array.isArray(input.AlarmTypes) ? new Set((input.AlarmTypes as unknown[]).map(String)) : new Set(['MetricAlarm']);
    const stateValue = typeof input.StateValue === 'string' ? input.StateValue : undefined;
    const actionPrefix = typeof input.ActionPrefix === 'string' ? input.ActionPrefix : undefined;
    const max = Math.min(100, Math.max(1, Number(input.MaxRecords ?? 50)));
    const start = Number(input.NextToken ?? 0) || 0;
    const matching = [...this.alarms.values()]
      .filter(
        (a) =>
          types.has(a.type) &&
          (!names || names.has(a.name)) &&
          (!prefix || a.name.startsWith(prefix)) &&
          (!stateValue || a.state === stateValue) &&
          (!actionPrefix || [...a.actions.ALARM, ...a.actions.OK, ...a.actions.INSUFFICIENT_DATA].some((x) => x.startsWith(actionPrefix))),
      )
      .sort((a, b) => a.name.localeCompare(b.name));
    const page = matching.slice(start, start + max).map((a) => ({
      ...a.description,
      StateValue: a.state,
      StateReason: a.reason,
      ...(a.reasonData ? { StateReasonData: a.reasonData } : {}),
      StateUpdatedTimestamp: a.updatedAt / 1000,
      StateTransitionedTimestamp: a.transitionedAt / 1000,
    }));
    return {
      MetricAlarms: page.filter((_a, i) => matching[start + i]?.type === 'MetricAlarm'),
      CompositeAlarms: page.filter((_a, i) => matching[start + i]?.type === 'CompositeAlarm'),
      ...(start + max < matching.length ? { NextToken: String(start + max) } : {}),
    };
  }

  private describeAlarmHistory(input: Record<string, unknown>): unknown {
    const name = typeof input.AlarmName === 'string' ? input.AlarmName : undefined;
    const type = typeof input.HistoryItemType === 'string' ? input.HistoryItemType : undefined;
    const from = typeof input.StartDate === 'number' ? input.StartDate : -Infinity;
    const to = typeof input.EndDate === 'number' ? input.EndDate : Infinity;
    const max = Math.min(100, Math.max(1, Number(input.MaxRecords ?? 100)));
    const items = this.history.filter(
      (h) => (!name || h.AlarmName === name) && (!type || h.HistoryItemType === type) && h.Timestamp >= from && h.Timestamp <= to,
    );
    const ordered = input.ScanBy === 'TimestampAscending' ? items : [...items].reverse();
    return { AlarmHistoryItems: ordered.slice(0, max) };
  }

  private getMetricData(input: Record<string, unknown>): unknown {
    const startTime = Number(input.StartTime);
    const endTime = Number(input.EndTime);
    if (!Number.isFinite(startTime) || !Number.isFinite(endTime) || endTime <= startTime)
      throw new AwsServiceError('InvalidParameterValue', 'StartTime must be before EndTime');
    const queries = parseQueries(input.MetricDataQueries);
    const period = queries.find((q) => q.metricStat)?.metricStat?.period ?? 60;
    const results = queries
      .filter((q) => q.returnData)
      .map((q) => ({ Id: q.id, Label: q.label ?? q.id, Timestamps: [] as number[], Values: [] as number[], StatusCode: 'Complete' }));
    for (let end = endTime * 1000; end > startTime * 1000; end -= period * 1000) {
      const values = queryValues(queries, this.store, end, period * 1000);
      for (const r of results) {
        const v = values.get(r.Id);
        if (v === undefined) continue;
        r.Timestamps.push((end - period * 1000) / 1000);
        r.Values.push(v);
      }
    }
    return { MetricDataResults: results, Messages: [] };
  }

  private listMetrics(input: Record<string, unknown>): unknown {
    const namespace = typeof input.Namespace === 'string' ? input.Namespace : undefined;
    const metricName = typeof input.MetricName === 'string' ? input.MetricName : undefined;
    return {
      Metrics: this.store
        .metrics()
        .filter((m) => (!namespace || m.namespace === namespace) && (!metricName || m.metricName === metricName))
        .map((m) => ({ Namespace: m.namespace, MetricName: m.metricName, Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })) })),
    };
  }

  private putMetricData(input: Record<string, unknown>): void {
    const namespace = input.Namespace;
    if (typeof namespace !== 'string' || namespace.startsWith('AWS/'))
      throw new AwsServiceError('InvalidParameterValue', 'Namespace is required and may not start with AWS/');
    for (const datum of (Array.isArray(input.MetricData) ? input.MetricData : []) as Array<Record<string, unknown>>) {
      if (typeof datum.MetricName !== 'string') throw new AwsServiceError('InvalidParameterValue', 'MetricName is required');
      const dimensions = Object.fromEntries(
        ((datum.Dimensions as Array<{ Name: string; Value: string }> | undefined) ?? []).map((d) => [String(d.Name), String(d.Value)]),
      );
      const timestamp = typeof datum.Timestamp === 'number' ? datum.Timestamp * 1000 : Date.now();
      const values = typeof datum.Value === 'number' ? [datum.Value] : Array.isArray(datum.Values) ? (datum.Values as unknown[]).map(Number) : [];
      for (const value of values.filter(Number.isFinite))
        this.store.put({
          namespace,
          metricName: datum.MetricName,
          dimensions,
          timestamp,
          value,
          ...(typeof datum.Unit === 'string' ? { unit: datum.Unit } : {}),
        });
    }
  }

  /** Sets an alarm's state until its next evaluation, running its actions on a change (as AWS does). */
  private async setAlarmState(input: Record<string, unknown>): Promise<void> {
    const alarm = this.alarms.get(String(input.AlarmName));
    if (!alarm) throw new AwsServiceError('ResourceNotFound', `Alarm ${String(input.AlarmName)} does not exist`, 404);
    const state = input.StateValue;
    if (state !== 'OK' && state !== 'ALARM' && state !== 'INSUFFICIENT_DATA')
      throw new AwsServiceError('InvalidParameterValue', 'StateValue must be OK, ALARM or INSUFFICIENT_DATA');
    if (state === alarm.state) return;
    const from = alarm.state;
    alarm.state = state;
    alarm.reason = String(input.StateReason ?? '');
    alarm.transitionedAt = alarm.updatedAt = Date.now();
    alarm.evaluated = true;
    this.record(alarm, 'StateUpdate', `Alarm updated from ${from} to ${state}`, {
      version: '1.0',
      oldState: { stateValue: from },
      newState: { stateValue: state, stateReason: alarm.reason },
    });
    await this.runActions(alarm, from);
  }
}

function send(res: ServerResponse, status: number, body: unknown, queryError?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(text),
    ...(queryError ? { 'x-amzn-query-error': queryError } : {}),
  });
  res.end(text);
}

type Dimensions = Array<{ Name?: unknown; Value?: unknown }> | undefined;

const dimensionsOf = (dimensions: Dimensions): Record<string, string> => Object.fromEntries((dimensions ?? []).map((d) => [String(d.Name), String(d.Value)]));

/** An alarm's or GetMetricData's metric queries (Id, MetricStat, Expression, Label, ReturnData). */
function parseQueries(raw: unknown): MetricQuery[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new AwsServiceError('InvalidParameterValue', 'MetricDataQueries is required');
  return (raw as Array<Record<string, unknown>>).map((q) => {
    const stat = q.MetricStat as { Metric?: { Namespace?: string; MetricName?: string; Dimensions?: Dimensions }; Period?: number; Stat?: string } | undefined;
    return {
      id: String(q.Id),
      ...(stat
        ? {
            metricStat: {
              metric: {
                namespace: String(stat.Metric?.Namespace),
                metricName: String(stat.Metric?.MetricName),
                dimensions: dimensionsOf(stat.Metric?.Dimensions),
              },
              stat: String(stat.Stat),
              period: Number(stat.Period ?? 60),
            },
          }
        : {}),
      ...(typeof q.Expression === 'string' ? { expression: q.Expression } : {}),
      ...(typeof q.Label === 'string' ? { label: q.Label } : {}),
      returnData: q.ReturnData !== false,
    };
  });
}

/** A metric alarm's rule from its resolved template properties. */
function metricAlarmRule(p: Record<string, unknown>): MetricAlarmRule {
  const evaluationPeriods = Number(p.EvaluationPeriods ?? 1);
  const queries: MetricQuery[] = Array.isArray(p.Metrics)
    ? parseQueries(p.Metrics)
    : [
        {
          id: 'm1',
          metricStat: {
            metric: { namespace: String(p.Namespace), metricName: String(p.MetricName), dimensions: dimensionsOf(p.Dimensions as Dimensions) },
            stat: String(p.ExtendedStatistic ?? p.Statistic ?? 'Average'),
            period: Number(p.Period ?? 60),
          },
          returnData: true,
        },
      ];
  const period = Number(p.Period ?? queries.find((q) => q.metricStat)?.metricStat?.period ?? 60);
  return {
    queries,
    period,
    comparisonOperator: String(p.ComparisonOperator) as ComparisonOperator,
    ...(p.Threshold !== undefined ? { threshold: Number(p.Threshold) } : {}),
    ...(typeof p.ThresholdMetricId === 'string' ? { thresholdMetricId: p.ThresholdMetricId } : {}),
    evaluationPeriods,
    datapointsToAlarm: Number(p.DatapointsToAlarm ?? evaluationPeriods),
    treatMissingData: (typeof p.TreatMissingData === 'string' ? p.TreatMissingData : 'missing') as TreatMissingData,
  };
}
