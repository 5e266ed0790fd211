import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config';
import type { StockadeFunction } from '../constructs/stockade-function';
import type { StockadeQueue } from '../constructs/stockade-queue';

export interface ObservabilityStackProps extends StackProps {
  readonly config: StageConfig;
  readonly api: RestApi;
  readonly functions: readonly StockadeFunction[];
  readonly queues: readonly StockadeQueue[];
  readonly alarmTopic: ITopic;
  /** The order saga: an execution fails only when compensation or the fulfilment notice could not be done. */
  readonly stateMachine: IStateMachine;
}

/** Stateless: alarms on API errors and function failures, and the stage dashboard. */
export class ObservabilityStack extends Stack {
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const action = new SnsAction(props.alarmTopic);
    const period = Duration.minutes(5);

    const requests = props.api.metricCount({ period, statistic: 'Sum' });
    const serverErrors = props.api.metricServerError({ period, statistic: 'Sum' });
    const serverErrorRate = new MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { requests, errors: serverErrors },
      period,
      label: '5xx %',
    });
    this.addAlarm(
      'Api5xxRate',
      {
        alarmDescription: 'More than 1% of API requests answered 5xx for 10 minutes',
        metric: serverErrorRate,
        threshold: 1,
        evaluationPeriods: 2,
      },
      action,
    );

    for (const fn of props.functions) {
      this.addAlarm(
        `${fn.node.id}Errors`,
        {
          alarmDescription: `${fn.node.id} failed invocations`,
          metric: fn.metricErrors({ period, statistic: 'Sum' }),
          threshold: 0,
          evaluationPeriods: 1,
        },
        action,
      );
      this.addAlarm(
        `${fn.node.id}Throttles`,
        {
          alarmDescription: `${fn.node.id} throttled`,
          metric: fn.metricThrottles({ period, statistic: 'Sum' }),
          threshold: 0,
          evaluationPeriods: 1,
        },
        action,
      );
    }

    this.addAlarm(
      'SagaExecutionsFailed',
      {
        alarmDescription:
          'An order saga execution failed, timed out or was aborted: compensation or the fulfilment notice did not complete (runbook: saga failures)',
        metric: new MathExpression({
          expression: 'failed + timedOut + aborted',
          usingMetrics: {
            failed: props.stateMachine.metricFailed({ period, statistic: 'Sum' }),
            timedOut: props.stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
            aborted: props.stateMachine.metricAborted({ period, statistic: 'Sum' }),
          },
          period,
          label: 'saga executions failed',
        }),
        threshold: 0,
        evaluationPeriods: 1,
      },
      action,
    );

    // The outbox relay's oldest pending notice, each run: a provider that has not heard of a sale or cancellation
    // for 15 minutes is down (circuit open), refusing the notice, or the relay is not running.
    this.addAlarm(
      'StockNoticesPending',
      {
        alarmDescription: 'A sale or cancellation notice has been pending for its inventory provider for over 15 minutes (runbook: inventory notices pending)',
        metric: new Metric({
          namespace: 'Stockade',
          metricName: 'StockNoticePendingAgeSeconds',
          dimensionsMap: { service: 'inventory' },
          statistic: 'Maximum',
          period,
        }),
        threshold: 15 * 60,
        evaluationPeriods: 1,
      },
      action,
    );

    // Reconciliation's count per run: anything above zero is a payment that drifted from its order.
    const discrepancies = new Metric({
      namespace: 'Stockade',
      metricName: 'ReconciliationDiscrepancies',
      dimensionsMap: { service: 'payments' },
      statistic: 'Maximum',
      period: Duration.minutes(Math.max(5, Math.min(props.config.payments.reconciliation.everyMinutes, 24 * 60))),
    });
    this.addAlarm(
      'ReconciliationDiscrepancies',
      {
        alarmDescription: 'Reconciliation found payments that differ from their orders (GET /admin/reconciliation; runbook: reconciliation)',
        metric: discrepancies,
        threshold: 0,
        evaluationPeriods: 1,
      },
      action,
    );

    // The scheduled audit verification's count of broken hash chains: anything above zero is an audit item someone
    // edited, deleted or inserted.
    this.addAlarm(
      'AuditChainBreaks',
      {
        alarmDescription: 'The audit trail verification found a broken hash chain: an audit item was edited, deleted or inserted (npm run audit:verify; runbook: audit trail)',
        metric: new Metric({
          namespace: 'Stockade',
          metricName: 'AuditChainBreaks',
          dimensionsMap: { service: 'audit' },
          statistic: 'Maximum',
          period: Duration.minutes(props.config.audit.verifyEveryMinutes),
        }),
        threshold: 0,
        evaluationPeriods: 1,
      },
      action,
    );

    // The inventory updates consumer's count of provider stock raised to what is reserved: the provider reports less
    // than Stockade has promised to orders (a sale it has not heard of yet, or stock lost).
    const clampedToReserved = new Metric({
      namespace: 'Stockade',
      metricName: 'InventoryClampedToReserved',
      dimensionsMap: { service: 'inventory' },
      statistic: 'Sum',
      period,
    });
    this.addAlarm(
      'InventoryClampedToReserved',
      {
        alarmDescription:
          'A provider reported less stock than is reserved for orders; onHand was clamped to reserved (inventory ledger; runbook: inventory clamped to reserved)',
        metric: clampedToReserved,
        threshold: 0,
        evaluationPeriods: 1,
      },
      action,
    );

    // Webhook requests that do not prove their sender: 4xx, so they never count towards the 5xx alarm. A burst is an
    // attack, or a signing secret rotated on one side only (runbook: webhook signature failures).
    const signatureFailures = (webhook: 'stripe' | 'inventory', service: string) =>
      new Metric({
        namespace: 'Stockade',
        metricName: 'WebhookSignatureFailures',
        dimensionsMap: { service, webhook },
        statistic: 'Sum',
        period,
        label: `${webhook} signature failures`,
      });
    const webhookSignatureFailures = [signatureFailures('stripe', 'payments'), signatureFailures('inventory', 'inventory')];
    for (const metric of webhookSignatureFailures) {
      const webhook = metric.dimensions?.webhook as string;
      this.addAlarm(
        `${webhook === 'stripe' ? 'Stripe' : 'Inventory'}WebhookSignatureFailures`,
        {
          alarmDescription: `More than ${props.config.alarms.webhookSignatureFailuresPer5Minutes} ${webhook} webhook requests per 5 minutes failed signature verification (attack, or a secret rotated on one side only; runbook: webhook signature failures)`,
          metric,
          threshold: props.config.alarms.webhookSignatureFailuresPer5Minutes,
          evaluationPeriods: 1,
        },
        action,
      );
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `stockade-${props.config.stage}` });
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'API requests and errors', left: [requests, props.api.metricClientError({ period }), serverErrors], width: 12 }),
      new GraphWidget({
        title: 'API latency p50 / p99',
        left: [props.api.metricLatency({ period, statistic: 'p50' }), props.api.metricLatency({ period, statistic: 'p99' })],
        width: 12,
      }),
      new GraphWidget({ title: 'Function errors', left: props.functions.map((f) => f.metricErrors({ period, label: f.node.id })), width: 12 }),
      new GraphWidget({
        title: 'Order saga executions',
        left: [
          props.stateMachine.metricStarted({ period }),
          props.stateMachine.metricSucceeded({ period }),
          props.stateMachine.metricFailed({ period }),
          props.stateMachine.metricTimedOut({ period }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Function duration p99',
        left: props.functions.map((f) => f.metricDuration({ period, statistic: 'p99', label: f.node.id })),
        width: 12,
      }),
      new GraphWidget({
        title: 'Reconciliation discrepancies',
        left: [discrepancies],
        width: 12,
      }),
      new GraphWidget({ title: 'Webhook signature failures', left: webhookSignatureFailures, width: 12 }),
      new GraphWidget({
        title: 'Dead-letter queue depth',
        left: props.queues.map((q) => q.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), label: q.node.id })),
        width: 24,
      }),
    );
  }

  private addAlarm(
    id: string,
    props: { alarmDescription: string; metric: MathExpression | ReturnType<StockadeFunction['metricErrors']>; threshold: number; evaluationPeriods: number },
    action: SnsAction,
  ): void {
    const alarm = new Alarm(this, id, {
      ...props,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(action);
    this.alarms.push(alarm);
  }
}
