import { ArnFormat, type CfnElement, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import {
  type Chain,
  DefinitionBody,
  Fail,
  IntegrationPattern,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config';
import type { StageContext } from '../constructs/stage-props';
import { runOnSchedule } from '../constructs/schedule';
import { StockadeFunction } from '../constructs/stockade-function';
import { StockadeLogGroup } from '../constructs/stockade-log-group';
import type { StockadeQueue } from '../constructs/stockade-queue';
import type { StockadeTable } from '../constructs/stockade-table';
import { ENV } from '../../shared/config/env-names';

export interface WorkflowStackProps extends StackProps {
  readonly config: StageConfig;
  readonly key: IKey;
  readonly tables: { readonly catalog: StockadeTable; readonly orders: StockadeTable; readonly payments: StockadeTable; readonly audit: StockadeTable };
  readonly fulfilmentQueue: StockadeQueue;
  /** Verified Stripe events from the webhook, applied here (they resume or fail the saga's payment wait). */
  readonly paymentEventsQueue: StockadeQueue;
  readonly secrets: { readonly stripeApiKey: ISecret; readonly fulfilmentApiKey: ISecret };
}

/** Errors a Lambda task may be retried on: the Lambda service's own, and Stockade's TransientError. */
const LAMBDA_SERVICE_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];
/** Longest a step's function may run; the Task's TimeoutSeconds is a little longer. */
const STEP_FUNCTION_TIMEOUT = Duration.seconds(20);
const STEP_TASK_TIMEOUT = Timeout.duration(Duration.seconds(25));

/**
 * Stateless: the order saga (Step Functions Standard, JSONPath) and its step functions, the expired-hold sweeper and
 * the fulfilment hand-off consumer. architecture.md:
 *
 *   ReserveStock -> CreatePaymentIntent -> AwaitPayment (.waitForTaskToken, bounded by the hold) -> CommitOrder
 *   -> PublishOrderConfirmed; a failure in the first four -> ReleaseStock -> CancelOrRefundPayment -> MarkOrderFailed.
 *
 * Every Task has TimeoutSeconds, a Retry for transient errors and a Catch. An order that fails and is compensated
 * ends the execution in the `OrderFailed` Succeed state: that is a business outcome (a decline, no stock). The
 * execution itself fails only when compensation or the fulfilment notice could not be done: those alarm.
 */
export class WorkflowStack extends Stack {
  readonly stateMachine: StateMachine;
  /** Every function of this stack, for alarms and the dashboard. */
  readonly functions: StockadeFunction[] = [];
  private readonly stageContext: StageContext;

  constructor(scope: Construct, id: string, props: WorkflowStackProps) {
    super(scope, id, props);
    const { config, tables } = props;
    this.stageContext = { config, key: props.key };
    const holdSeconds = config.checkout.holdMinutes * 60;
    // Named so that functions can be granted SendTask* on its ARN without referring to the resource (a cycle).
    const stateMachineName = `stockade-${config.stage}-order-saga`;
    const stateMachineArn = this.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    const fn = (id: string, entry: string) => this.addFunction(`${id}Function`, `saga/${entry}`);
    const reserveFn = fn('ReserveStock', 'reserve-stock')
      .bindTable(ENV.CATALOG_TABLE, tables.catalog, 'readWrite')
      .bindTable(ENV.ORDERS_TABLE, tables.orders, 'readWrite');
    reserveFn.addEnvironment(ENV.HOLD_SECONDS, String(holdSeconds));
    const createPaymentFn = fn('CreatePaymentIntent', 'create-payment-intent')
      .bindTable(ENV.ORDERS_TABLE, tables.orders, 'readWrite')
      .bindTable(ENV.PAYMENTS_TABLE, tables.payments, 'readWrite')
      .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, props.secrets.stripeApiKey);
    const awaitPaymentFn = fn('AwaitPayment', 'await-payment').bindTable(ENV.ORDERS_TABLE, tables.orders, 'readWrite');
    awaitPaymentFn.addToRolePolicy(sendTaskStatement(stateMachineArn));
    const commitFn = fn('CommitOrder', 'commit-order')
      .bindTable(ENV.CATALOG_TABLE, tables.catalog, 'readWrite')
      .bindTable(ENV.ORDERS_TABLE, tables.orders, 'readWrite');
    const publishFn = fn('PublishOrderConfirmed', 'publish-order-confirmed').bindQueueProducer(ENV.FULFILMENT_QUEUE_URL, props.fulfilmentQueue.queue);
    const releaseFn = fn('ReleaseStock', 'release-stock')
      .bindTable(ENV.CATALOG_TABLE, tables.catalog, 'readWrite')
      .bindTable(ENV.ORDERS_TABLE, tables.orders, 'read');
    const cancelPaymentFn = fn('CancelOrRefundPayment', 'cancel-payment')
      .bindTable(ENV.ORDERS_TABLE, tables.orders, 'read')
      .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, props.secrets.stripeApiKey);
    const markFailedFn = fn('MarkOrderFailed', 'mark-order-failed').bindTable(ENV.ORDERS_TABLE, tables.orders, 'readWrite');

    const orderIdOnly = TaskInput.fromObject({ orderId: JsonPath.stringAt('$.orderId') });
    const step = (id: string, handler: StockadeFunction, resultPath: string, payload: TaskInput = orderIdOnly) => {
      const task = new LambdaInvoke(this, id, { lambdaFunction: handler, payload, payloadResponseOnly: true, resultPath, taskTimeout: STEP_TASK_TIMEOUT });
      task.addRetry({
        errors: ['TransientError', ...LAMBDA_SERVICE_ERRORS],
        interval: Duration.seconds(1),
        backoffRate: 2,
        maxAttempts: 6,
        maxDelay: Duration.seconds(20),
      });
      task.addRetry({ errors: ['States.Timeout'], interval: Duration.seconds(2), maxAttempts: 2 });
      return task;
    };

    // Compensation: every step is idempotent, retried longer, and a compensation that still fails stops the
    // execution as failed (alarmed) rather than leave it looking done.
    const compensationFailed = new Fail(this, 'CompensationFailed', {
      error: 'CompensationFailed',
      cause: 'A compensation step kept failing; see the execution history and the runbook',
    });
    const compensate = (id: string, handler: StockadeFunction, resultPath: string, payload?: TaskInput) => {
      const task = step(id, handler, resultPath, payload);
      task.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 5, maxDelay: Duration.seconds(60) });
      task.addCatch(compensationFailed, { errors: ['States.ALL'], resultPath: '$.compensationError' });
      return task;
    };
    const compensation: Chain = compensate('ReleaseHeldStock', releaseFn, '$.compensationStock')
      .next(compensate('CancelOrRefundPayment', cancelPaymentFn, '$.compensationPayment'))
      .next(
        compensate(
          'MarkOrderFailed',
          markFailedFn,
          '$.compensationOrder',
          TaskInput.fromObject({
            orderId: JsonPath.stringAt('$.orderId'),
            error: JsonPath.objectAt('$.error'),
            payment: JsonPath.objectAt('$.compensationPayment'),
          }),
        ),
      )
      .next(new Succeed(this, 'OrderFailed', { comment: 'The order failed and everything it took was given back' }));

    const forward = (task: LambdaInvoke) => task.addCatch(compensation, { errors: ['States.ALL'], resultPath: '$.error' });
    const reserve = forward(step('ReserveStock', reserveFn, '$.reservation'));
    const createPayment = forward(step('CreatePaymentIntent', createPaymentFn, '$.payment'));
    const awaitPayment = new LambdaInvoke(this, 'AwaitPayment', {
      lambdaFunction: awaitPaymentFn,
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({ orderId: JsonPath.stringAt('$.orderId'), taskToken: JsonPath.taskToken }),
      // The payment may take as long as the stock is held, and no longer.
      taskTimeout: Timeout.at('$.reservation.holdSeconds'),
      resultPath: '$.paymentResult',
    });
    awaitPayment.addRetry({ errors: ['TransientError', ...LAMBDA_SERVICE_ERRORS], interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 3 });
    forward(awaitPayment);
    const commit = forward(step('CommitOrder', commitFn, '$.commit'));
    const publish = step('PublishOrderConfirmed', publishFn, '$.published');
    publish.addCatch(
      new Fail(this, 'FulfilmentNotNotified', {
        error: 'FulfilmentNotNotified',
        cause: 'The order is CONFIRMED but OrderConfirmed could not be published; redrive per the runbook',
      }),
      {
        errors: ['States.ALL'],
        resultPath: '$.publishError',
      },
    );

    const logs = new StockadeLogGroup(this, 'SagaLogs', { stageContext: this.stageContext, logGroupName: `/aws/vendedlogs/states/${stateMachineName}` });
    this.stateMachine = new StateMachine(this, 'OrderSaga', {
      stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      comment: 'Stockade order saga: reserve stock, take payment, confirm; or give everything back',
      definitionBody: DefinitionBody.fromChainable(
        reserve.next(createPayment).next(awaitPayment).next(commit).next(publish).next(new Succeed(this, 'OrderConfirmed')),
      ),
      // Longest path: the payment wait plus generous room for retries and compensation.
      timeout: Duration.seconds(holdSeconds + 30 * 60),
      tracingEnabled: true,
      // Execution data would put task tokens and payment references in the logs; state transitions are enough.
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
    });
    this.acknowledgeStateMachineRole([reserveFn, createPaymentFn, awaitPaymentFn, commitFn, publishFn, releaseFn, cancelPaymentFn, markFailedFn]);

    // The sweeper: holds whose execution died are released after expiry + grace.
    const sweeper = this.addFunction('SweepExpiredHolds', 'inventory/sweep-expired-holds', Duration.seconds(60))
      .bindTable(ENV.CATALOG_TABLE, tables.catalog, 'readWrite')
      .bindTable(ENV.ORDERS_TABLE, tables.orders, 'readWrite')
      .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, props.secrets.stripeApiKey);
    sweeper.addEnvironment(ENV.SWEEP_GRACE_SECONDS, String(config.checkout.sweepGraceMinutes * 60));
    runOnSchedule(sweeper, {
      id: 'SweepSchedule',
      every: Duration.minutes(5),
      description: 'Releases expired stock holds whose saga did not',
      maxEventAge: Duration.minutes(5),
      why: 'The sweep releases every expired hold it finds and is idempotent.',
    });

    // Payment events: the webhook queues verified Stripe events; this applies them to orders and the saga.
    const applyPayments = this.addFunction('ApplyPaymentEvents', 'payments/apply-payment-events', Duration.seconds(25))
      .bindTable(ENV.PAYMENTS_TABLE, tables.payments, 'readWrite')
      .bindTable(ENV.ORDERS_TABLE, tables.orders, 'readWrite')
      .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, props.secrets.stripeApiKey)
      .consumeQueue(props.paymentEventsQueue, { batchSize: 10 });
    applyPayments.addToRolePolicy(sendTaskStatement(stateMachineArn));

    // Reconciliation: Stripe against payments and orders, on the stage's schedule; the report is served to admins.
    const reconciliation = config.payments.reconciliation;
    const reconcile = new StockadeFunction(this, 'ReconcilePayments', {
      stageContext: this.stageContext,
      entry: 'payments/reconcile-payments',
      service: 'payments',
      timeout: Duration.minutes(10),
    })
      .bindTable(ENV.PAYMENTS_TABLE, tables.payments, 'readWrite')
      .bindTable(ENV.ORDERS_TABLE, tables.orders, 'readWrite')
      .bindTable(ENV.AUDIT_TABLE, tables.audit, 'append')
      .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, props.secrets.stripeApiKey);
    this.functions.push(reconcile);
    reconcile.addToRolePolicy(sendTaskStatement(stateMachineArn));
    reconcile.addEnvironment(ENV.RECONCILIATION_WINDOW_HOURS, String(reconciliation.windowHours));
    reconcile.addEnvironment(ENV.RECONCILIATION_STUCK_AFTER_MINUTES, String(reconciliation.stuckAfterMinutes));
    reconcile.addEnvironment(ENV.RECONCILIATION_REMEDIES, reconciliation.remedies.join(','));
    runOnSchedule(reconcile, {
      id: 'ReconciliationSchedule',
      every: Duration.minutes(reconciliation.everyMinutes),
      description: 'Compares Stripe PaymentIntents and refunds with Stockade payments and orders',
      maxEventAge: Duration.minutes(30),
      why: 'Each run compares the whole window again and its remedies are idempotent.',
    });

    // Fulfilment hand-off: OrderConfirmed -> the provider -> FULFILLED.
    this.addFunction('HandOffFulfilment', 'fulfilment/hand-off-orders', Duration.seconds(25))
      .bindTable(ENV.ORDERS_TABLE, tables.orders, 'readWrite')
      .bindSecret(ENV.FULFILMENT_API_KEY_SECRET_ARN, props.secrets.fulfilmentApiKey)
      .consumeQueue(props.fulfilmentQueue, { batchSize: 10 })
      .addEnvironment(ENV.FULFILMENT_API_URL, config.fulfilment.apiUrl);
  }

  private addFunction(id: string, entry: string, timeout: Duration = STEP_FUNCTION_TIMEOUT): StockadeFunction {
    const fn = new StockadeFunction(this, id, { stageContext: this.stageContext, entry, service: 'orders', timeout });
    if (entry.startsWith('saga/')) {
      Validations.of(fn).acknowledge({
        id: 'Serverless::Serverless-LambdaDLQ',
        reason:
          'Saga steps are invoked synchronously by Step Functions, whose Retry and Catch (to compensation) handle every failure; there is no asynchronous event to dead-letter.',
      });
    }
    this.functions.push(fn);
    return fn;
  }

  /** The state machine role may invoke each step function and its versions (`<arn>:*`), and deliver logs and traces. */
  private acknowledgeStateMachineRole(sagaFunctions: readonly StockadeFunction[]): void {
    const versions =
      'lambda:InvokeFunction is granted on the step function ARN and on `<arn>:*` (its versions and aliases, which the CDK grants so a qualified invoke works); it names one function.';
    Validations.of(this.stateMachine.role).acknowledge(
      ...sagaFunctions.map((f) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${this.getLogicalId(f.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: versions,
      })),
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs vended delivery (CreateLogDelivery, PutResourcePolicy, Describe*) do not support resource-level permissions; AWS documents Resource * for them.',
      },
      {
        id: 'PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy',
        reason:
          'The state machine role is created and maintained by the CDK StateMachine construct, whose grants (invoke each step, deliver logs and traces) live in its default policy; it is used by nothing else and changes only with this definition.',
      },
    );
  }
}

/** What StateMachine.grantTaskResponse grants, on the ARN built from the name. */
function sendTaskStatement(stateMachineArn: string): PolicyStatement {
  return new PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'], resources: [stateMachineArn] });
}
