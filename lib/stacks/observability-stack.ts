import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmRule,
  AlarmState,
  AnomalyDetectionAlarm,
  ComparisonOperator,
  CompositeAlarm,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config';
import { RUNBOOK, runbookUrl } from '../constructs/runbook';
import { SmokeCanary } from '../constructs/smoke-canary';
import { addFunctionAlarms, type FunctionAlarms, stockadeAlarm, type StockadeAlarmProps } from '../constructs/stockade-alarm';
import { CHECKOUT_SLO, CONFIRMATION_SLO, type ServiceLevelObjective } from '../../shared/observability/slo';
import type { StockadeQueue } from '../constructs/stockade-queue';

/** The areas of the stage: a dashboard row each, and a page composite for those with page-severity alarms. */
export const AREAS = ['Api', 'CheckoutAndSaga', 'Payments', 'InventoryProviders', 'Queues'] as const;
export type Area = (typeof AREAS)[number];

export interface ObservabilityStackProps extends StackProps {
  readonly config: StageConfig;
  readonly api: RestApi;
  /** Every function of the stage, each alarmed on errors and throttles under its construct id. */
  readonly functions: readonly IFunction[];
  readonly queues: readonly StockadeQueue[];
  /** Tickets: every alarm notifies it on ALARM and OK. */
  readonly alarmTopic: ITopic;
  /** Pages: each area's composite of its page-severity alarms notifies it. */
  readonly pageTopic: ITopic;
  /** The stage key (the synthetic canary's secret is encrypted with it). */
  readonly key: IKey;
  /** The order saga: an execution fails only when compensation or the fulfilment notice could not be done. */
  readonly stateMachine: IStateMachine;
}

/** A custom metric the functions emit as EMF (namespace Stockade; `service` is the emitting function's). */
function emitted(metricName: string, service: string, statistic: string, period: Duration, dimensions: Record<string, string> = {}, label?: string): Metric {
  return new Metric({ namespace: 'Stockade', metricName, dimensionsMap: { service, ...dimensions }, statistic, period, ...(label ? { label } : {}) });
}

/**
 * Stateless: every alarm of the stage but the DLQs' (their queues own them), the page composites, and the stage
 * dashboard. Every alarm opens a ticket; page-severity alarms also page through their area's composite alarm.
 */
export class ObservabilityStack extends Stack {
  readonly dashboard: Dashboard;
  /** Every metric alarm of this stack. */
  readonly alarms: Alarm[] = [];
  /** Each function's errors and throttles alarms, by function (e.g. for a deployment's rollback). */
  readonly functionAlarms = new Map<IFunction, FunctionAlarms>();
  /** The page-severity alarms of each area (the DLQ age alarms included), and the composite that pages for them. */
  readonly pageAlarms = new Map<Area, IAlarm[]>();
  readonly pageComposites = new Map<Area, CompositeAlarm>();

  private readonly ticket: SnsAction;
  private readonly stageConfig: StageConfig;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.stageConfig = config;
    this.ticket = new SnsAction(props.alarmTopic);
    const period = Duration.minutes(5);

    // API: 5xx rate and p99 latency page.
    const requests = props.api.metricCount({ period, statistic: 'Sum' });
    const serverErrors = props.api.metricServerError({ period, statistic: 'Sum' });
    const latencyP99 = props.api.metricLatency({ period, statistic: 'p99' });
    this.addAlarm('Api5xxRate', 'Api', {
      description: 'More than 1% of API requests answered 5xx for 10 minutes',
      runbook: RUNBOOK.api5xx,
      metric: new MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: { requests, errors: serverErrors },
        period,
        label: '5xx %',
      }),
      threshold: 1,
      evaluationPeriods: 2,
    });
    this.addAlarm('ApiLatencyP99', 'Api', {
      description: `The API's p99 latency has been above ${config.alarms.apiLatencyP99Ms} ms for 15 minutes`,
      runbook: RUNBOOK.apiLatency,
      metric: latencyP99,
      threshold: config.alarms.apiLatencyP99Ms,
      evaluationPeriods: 3,
    });

    // Every function: errors and throttles, tickets.
    const labels = new Set<string>();
    for (const fn of props.functions) {
      const label = fn.node.id;
      if (labels.has(label)) throw new Error(`Two functions are called ${label}: their alarms would share a name`);
      labels.add(label);
      const alarms = addFunctionAlarms(this, label, fn, { config, action: this.ticket });
      this.functionAlarms.set(fn, alarms);
      this.alarms.push(alarms.errors, alarms.throttles);
    }

    // Checkout and saga: executions that failed, timed out or were aborted, orders left past their hold; the checkout rate.
    const sagaMetrics = [
      { id: 'SagaExecutionsFailed', what: 'failed', metric: props.stateMachine.metricFailed({ period, statistic: 'Sum' }) },
      { id: 'SagaExecutionsTimedOut', what: 'timed out', metric: props.stateMachine.metricTimedOut({ period, statistic: 'Sum' }) },
      { id: 'SagaExecutionsAborted', what: 'was aborted', metric: props.stateMachine.metricAborted({ period, statistic: 'Sum' }) },
    ];
    for (const { id: alarmId, what, metric } of sagaMetrics) {
      this.addAlarm(alarmId, 'CheckoutAndSaga', {
        description: `An order saga execution ${what}: compensation or the fulfilment notice did not complete`,
        runbook: RUNBOOK.saga,
        metric,
        threshold: 0,
        evaluationPeriods: 1,
      });
    }
    // The sweeper fails the orders still open when their hold expired (plus grace): their execution died.
    const stuckOrders = emitted('OrdersStuckPastHold', 'orders', 'Sum', period);
    this.addAlarm('OrdersStuckPastHold', 'CheckoutAndSaga', {
      description: 'Orders were still awaiting payment after their hold expired: the sweeper failed them (their saga execution died)',
      runbook: RUNBOOK.stuckOrders,
      metric: stuckOrders,
      threshold: 0,
      evaluationPeriods: 1,
    });
    const holdsReleased = emitted('ExpiredHoldsReleased', 'orders', 'Sum', period);
    this.addAlarm('ExpiredHoldsReleased', undefined, {
      description: 'The sweeper released expired stock holds in three sweeps running: saga executions are being lost',
      runbook: RUNBOOK.stuckOrders,
      metric: holdsReleased,
      threshold: 0,
      evaluationPeriods: 3,
    });
    const checkouts = emitted('CheckoutAccepted', 'orders', 'Sum', period, {}, 'checkouts accepted');
    const checkoutAnomaly = new AnomalyDetectionAlarm(this, 'CheckoutRateAnomaly', {
      alarmDescription: `Accepted checkouts left their usual band (3 standard deviations, 15 minutes): a broken storefront or payment page, or a bot. Runbook: ${runbookUrl(config, RUNBOOK.checkoutAnomaly)}`,
      metric: checkouts,
      stdDevs: 3,
      comparisonOperator: ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    checkoutAnomaly.addAlarmAction(this.ticket);
    checkoutAnomaly.addOkAction(this.ticket);
    this.alarms.push(checkoutAnomaly);

    // Payments: signature failures page (an attack, or a secret rotated on one side only); discrepancies ticket.
    const signatureFailures = (webhook: 'stripe' | 'inventory', service: string) =>
      emitted('WebhookSignatureFailures', service, 'Sum', period, { webhook }, `${webhook} signature failures`);
    const stripeSignatures = signatureFailures('stripe', 'payments');
    const inventorySignatures = signatureFailures('inventory', 'inventory');
    for (const [alarmId, area, webhook, metric] of [
      ['StripeWebhookSignatureFailures', 'Payments', 'stripe', stripeSignatures],
      ['InventoryWebhookSignatureFailures', 'InventoryProviders', 'inventory', inventorySignatures],
    ] as const) {
      this.addAlarm(alarmId, area, {
        description: `More than ${config.alarms.webhookSignatureFailuresPer5Minutes} ${webhook} webhook requests per 5 minutes failed signature verification (an attack, or a secret rotated on one side only)`,
        runbook: RUNBOOK.webhookSignatures,
        metric,
        threshold: config.alarms.webhookSignatureFailuresPer5Minutes,
        evaluationPeriods: 1,
      });
    }
    const discrepancies = emitted(
      'ReconciliationDiscrepancies',
      'payments',
      'Maximum',
      Duration.minutes(Math.max(5, Math.min(config.payments.reconciliation.everyMinutes, 24 * 60))),
    );
    this.addAlarm('ReconciliationDiscrepancies', undefined, {
      description: 'Reconciliation found payments that differ from their orders (GET /admin/reconciliation)',
      runbook: RUNBOOK.reconciliation,
      metric: discrepancies,
      threshold: 0,
      evaluationPeriods: 1,
    });
    // The scheduled audit verification's count of broken hash chains: anything above zero is an audit item someone
    // edited, deleted or inserted.
    this.addAlarm('AuditChainBreaks', undefined, {
      description: 'The audit trail verification found a broken hash chain: an audit item was edited, deleted or inserted (npm run audit:verify)',
      runbook: RUNBOOK.auditTrail,
      metric: emitted('AuditChainBreaks', 'audit', 'Maximum', Duration.minutes(config.audit.verifyEveryMinutes)),
      threshold: 0,
      evaluationPeriods: 1,
    });

    // Inventory providers: each provider's circuit, notices left pending, stock clamped to what is reserved.
    const circuits = config.inventoryProviders.map((provider) => emitted('ProviderCircuitOpen', 'inventory', 'Maximum', period, { provider }, provider));
    for (const metric of circuits) {
      const provider = metric.dimensions?.provider as string;
      this.addAlarm(`ProviderCircuitOpen-${provider}`, undefined, {
        description: `The circuit to inventory provider ${provider} has been open for 15 minutes: the provider is failing or unreachable`,
        runbook: RUNBOOK.providerCircuit,
        metric,
        threshold: 0,
        evaluationPeriods: 3,
      });
    }
    // The outbox relay's oldest pending notice, each run: a provider that has not heard of a sale or cancellation
    // for 15 minutes is down (circuit open), refusing the notice, or the relay is not running.
    const pendingAge = emitted('StockNoticePendingAgeSeconds', 'inventory', 'Maximum', period);
    this.addAlarm('StockNoticesPending', undefined, {
      description: 'A sale or cancellation notice has been pending for its inventory provider for over 15 minutes',
      runbook: RUNBOOK.stockNotices,
      metric: pendingAge,
      threshold: 15 * 60,
      evaluationPeriods: 1,
    });
    // A relay stopped on purpose (the outbox-relay-stopped switch) and left stopped: each run reports 1, so a minimum
    // of 1 over an hour means nobody resumed it, and no provider has heard of a sale since.
    this.addAlarm('StockRelayStopped', undefined, {
      description:
        'The outbox relay has been stopped by its mitigation switch for an hour: inventory providers hear of no sale or cancellation until it is resumed',
      runbook: RUNBOOK.relayStopped,
      metric: emitted('StockRelayStopped', 'inventory', 'Minimum', period),
      threshold: 0,
      evaluationPeriods: Math.round(Duration.hours(1).toMinutes() / period.toMinutes()),
    });
    // The inventory updates consumer's count of provider stock raised to what is reserved: the provider reports less
    // than Stockade has promised to orders (a sale it has not heard of yet, or stock lost).
    const clamped = emitted('InventoryClampedToReserved', 'inventory', 'Sum', period);
    this.addAlarm('InventoryClampedToReserved', undefined, {
      description: 'A provider reported less stock than is reserved for orders; onHand was clamped to reserved',
      runbook: RUNBOOK.clampedToReserved,
      metric: clamped,
      threshold: 0,
      evaluationPeriods: 1,
    });

    // Service level objectives: multi-window burn-rate alarms (the SRE workbook's): the error budget burning 14.4
    // times too fast over an hour and five minutes pages; 6 times over six hours and thirty minutes tickets.
    const checkoutSlo = this.addSloAlarms(
      'Checkout',
      CHECKOUT_SLO,
      `${CHECKOUT_SLO.target * 100}% of checkouts accepted within ${CHECKOUT_SLO.objectiveMs} ms`,
    );
    const confirmationSlo = this.addSloAlarms(
      'Confirmation',
      CONFIRMATION_SLO,
      `${CONFIRMATION_SLO.target * 100}% of paid orders confirmed within ${CONFIRMATION_SLO.objectiveSeconds} s`,
    );

    // The synthetic shopper (staging and prod): a failing canary is what a shopper sees, so it pages with the API.
    if (config.synthetics) {
      const canary = new SmokeCanary(this, 'SmokeCanary', { config, settings: config.synthetics, apiUrl: props.api.url, key: props.key, action: this.ticket });
      this.alarms.push(canary.alarm);
      this.pageAlarms.set('Api', [...(this.pageAlarms.get('Api') ?? []), canary.alarm]);
    }

    // Queues: a dead-lettered message nobody has handled for an hour pages (its depth alarm already ticketed).
    this.pageAlarms.set(
      'Queues',
      props.queues.map((q) => q.deadLetterAgeAlarm),
    );

    for (const area of AREAS) {
      const alarms = this.pageAlarms.get(area) ?? [];
      if (alarms.length === 0) continue;
      const composite = new CompositeAlarm(this, `Page${area}`, {
        alarmDescription: `Pages on-call: a page-severity alarm of ${area} is firing (each also opened a ticket with its own runbook). Runbook: ${runbookUrl(config, RUNBOOK.pagesAndTickets)}`,
        alarmRule: AlarmRule.anyOf(...alarms.map((alarm) => AlarmRule.fromAlarm(alarm, AlarmState.ALARM))),
      });
      const page = new SnsAction(props.pageTopic);
      composite.addAlarmAction(page);
      composite.addOkAction(page);
      this.pageComposites.set(area, composite);
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `stockade-${config.stage}` });
    const row = (title: string, ...widgets: GraphWidget[]) =>
      this.dashboard.addWidgets(new TextWidget({ markdown: `## ${title}`, width: 24, height: 1 }), ...widgets);
    const graph = (title: string, left: IMetric[], width = 8) => new GraphWidget({ title, left, width });
    const inventory = (name: string) => emitted(name, 'inventory', 'Sum', period, {}, name);
    row(
      'API',
      graph('Requests, 4xx and 5xx', [requests, props.api.metricClientError({ period }), serverErrors]),
      graph('Latency p50 / p99', [props.api.metricLatency({ period, statistic: 'p50' }), latencyP99]),
      graph(
        'Function errors',
        props.functions.map((f) => f.metricErrors({ period, label: f.node.id })),
      ),
    );
    row(
      'Checkout and saga',
      graph('Checkouts accepted', [checkouts, emitted('OrderConfirmed', 'orders', 'Sum', period, {}, 'orders confirmed')]),
      graph('Saga executions', [
        props.stateMachine.metricStarted({ period }),
        props.stateMachine.metricSucceeded({ period }),
        props.stateMachine.metricFailed({ period }),
        props.stateMachine.metricTimedOut({ period }),
        props.stateMachine.metricAborted({ period }),
      ]),
      graph('Holds released by the sweeper, orders stuck past their hold', [holdsReleased, stuckOrders]),
    );
    row(
      'Payments',
      graph('Stripe webhook signature failures', [stripeSignatures]),
      graph('Reconciliation discrepancies and failed remedies', [
        discrepancies,
        emitted('ReconciliationRemediesFailed', 'payments', 'Maximum', discrepancies.period),
      ]),
      graph(
        'Function duration p99',
        props.functions.map((f) => f.metricDuration({ period, statistic: 'p99', label: f.node.id })),
      ),
    );
    row(
      'Inventory providers',
      graph('Provider circuits open', circuits),
      graph('Stock notices (sent, pending, failed) and oldest pending (s)', [
        inventory('StockNoticesSent'),
        inventory('StockNoticesPending'),
        inventory('StockNoticesFailed'),
        pendingAge,
      ]),
      graph('Provider lines accepted, stock clamped to reserved, signature failures', [inventory('InventoryLinesAccepted'), clamped, inventorySignatures]),
    );
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `## Service level objectives\n${checkoutSlo.title}; ${confirmationSlo.title}. Good fraction per hour against the target (docs/operations.md).`,
        width: 24,
        height: 2,
      }),
      graph(checkoutSlo.title, [checkoutSlo.goodFraction], 12),
      graph(confirmationSlo.title, [confirmationSlo.goodFraction], 12),
    );
    row(
      'Queues',
      graph(
        'Dead-letter queue depth',
        props.queues.map((q) => q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), label: q.node.id })),
        12,
      ),
      graph(
        'Dead-letter queue oldest message (s)',
        props.queues.map((q) => q.deadLetterQueue.metricApproximateAgeOfOldestMessage({ period, label: q.node.id })),
        12,
      ),
    );
  }

  /**
   * An SLO's burn-rate alarms: for each window pair (1 h and 5 min at 14.4x, 6 h and 30 min at 6x) an alarm per
   * window on the error budget's burn rate, which notifies nobody itself, and a composite of the pair that opens a
   * ticket; the fast pair's composite also pages through the checkout area's composite. The budget is 1 - target.
   */
  private addSloAlarms(name: string, slo: ServiceLevelObjective, title: string): { title: string; goodFraction: MathExpression } {
    const budget = 1 - slo.target;
    const fraction = (period: Duration) => {
      const metrics: Record<string, IMetric> = { total: emitted(slo.totalMetric, slo.service, 'Sum', period) };
      slo.badMetrics.forEach((metric, i) => (metrics[`bad${i}`] = emitted(metric, slo.service, 'Sum', period)));
      const bad = slo.badMetrics.map((_, i) => `FILL(bad${i}, 0)`).join(' + ');
      return { metrics, bad: `IF(FILL(total, 0) > 0, (${bad}) / total, 0)` };
    };
    const windows = [
      { severity: 'Fast', burn: 14.4, long: Duration.hours(1), short: Duration.minutes(5) },
      { severity: 'Slow', burn: 6, long: Duration.hours(6), short: Duration.minutes(30) },
    ];
    for (const { severity, burn, long, short } of windows) {
      const alarms = [long, short].map((window) => {
        const { metrics, bad } = fraction(window);
        const alarm = new Alarm(this, `Slo${name}Burn${window.toMinutes()}m`, {
          alarmDescription: `${title}: the error budget burned more than ${burn} times too fast over ${window.toHumanString()}. Runbook: ${runbookUrl(this.stageConfig, RUNBOOK.slo)}`,
          metric: new MathExpression({ expression: `${bad} / ${budget}`, usingMetrics: metrics, period: window, label: 'burn rate' }),
          threshold: burn,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        });
        this.alarms.push(alarm);
        return alarm;
      });
      const composite = new CompositeAlarm(this, `Slo${name}${severity}Burn`, {
        alarmDescription: `${title}: the error budget is burning ${burn} times too fast (over ${long.toHumanString()} and ${short.toHumanString()}). Runbook: ${runbookUrl(this.stageConfig, RUNBOOK.slo)}`,
        alarmRule: AlarmRule.allOf(...alarms.map((alarm) => AlarmRule.fromAlarm(alarm, AlarmState.ALARM))),
      });
      composite.addAlarmAction(this.ticket);
      composite.addOkAction(this.ticket);
      if (severity === 'Fast') this.pageAlarms.set('CheckoutAndSaga', [...(this.pageAlarms.get('CheckoutAndSaga') ?? []), composite]);
    }
    const hourly = fraction(Duration.hours(1));
    return {
      title,
      goodFraction: new MathExpression({ expression: `1 - ${hourly.bad}`, usingMetrics: hourly.metrics, period: Duration.hours(1), label: 'good fraction' }),
    };
  }

  /** A metric alarm that opens a ticket; with an `area`, it is page severity and pages through that area's composite. */
  private addAlarm(id: string, area: Area | undefined, props: Omit<StockadeAlarmProps, 'config' | 'action'>): Alarm {
    const alarm = stockadeAlarm(this, id, { ...props, config: this.stageConfig, action: this.ticket });
    this.alarms.push(alarm);
    if (area) this.pageAlarms.set(area, [...(this.pageAlarms.get(area) ?? []), alarm]);
    return alarm;
  }
}
