import { ArnFormat, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import {
  type Chain,
  DefinitionBody,
  Fail,
  IntegrationPattern,
  JitterType,
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
import { FunctionRelease } from '../constructs/function-release';
import { runOnSchedule } from '../constructs/schedule';
import { StockadeFunction } from '../constructs/stockade-function';
import { StockadeLogGroup } from '../constructs/stockade-log-group';
import type { StockadeQueue } from '../constructs/stockade-queue';
import { bindOrderStatusShards, type OrdersTable } from '../constructs/orders-table';
import type { StockadeTable } from '../constructs/stockade-table';
import { type AuditTrailTable, bindAuditAppender, bindAuditVerifier } from '../constructs/audit-trail';
import { ENV } from '../../shared/config/env-names';

export interface WorkflowStackProps extends StackProps {
  readonly config: StageConfig;
  readonly key: IKey;
  readonly tables: { readonly catalog: StockadeTable; readonly orders: OrdersTable; readonly payments: StockadeTable; readonly audit: AuditTrailTable };
  readonly fulfilmentQueue: StockadeQueue;
  /** Verified Stripe events from the webhook, applied here (they resume or fail the saga's payment wait). */
  readonly paymentEventsQueue: StockadeQueue;
  readonly secrets: { readonly stripeApiKey: ISecret; readonly fulfilmentApiKey: ISecret };
  /** Erasure requests (docs/privacy.md), carried out here. */
  readonly erasureQueue: StockadeQueue;
  /** The pool whose customers the erasure run signs out and deletes. */
  readonly userPool: IUserPool;
}

/** The function behind each task of the order saga, forward steps first, then compensation. */
interface SagaStepFunctions {
  readonly reserve: StockadeFunction;
  readonly createPayment: StockadeFunction;
  readonly awaitPayment: StockadeFunction;
  readonly commit: StockadeFunction;
  readonly publish: StockadeFunction;
  readonly release: StockadeFunction;
  readonly cancelPayment: StockadeFunction;
  readonly markFailed: StockadeFunction;
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
    this.stageContext = { config: props.config, key: props.key };
    // Named so that functions can be granted SendTask* on its ARN without referring to the resource (a cycle).
    const stateMachineName = `stockade-${props.config.stage}-order-saga`;
    const stateMachineArn = this.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const steps = this.addSagaStepFunctions(props, stateMachineArn);
    this.stateMachine = this.createOrderSaga(stateMachineName, steps);
    this.acknowledgeStateMachineRole();
    this.addHoldSweeper(props);
    this.addPaymentEventsConsumer(props, stateMachineArn);
    this.addReconciliation(props, stateMachineArn);
    this.addAuditVerification(props);
    this.addFulfilmentHandOff(props);
    this.addErasureRun(props, stateMachineArn);
  }

  /** One function per saga step, each bound to exactly the tables, secret or queue its step uses. */
  private addSagaStepFunctions(props: WorkflowStackProps, stateMachineArn: string): SagaStepFunctions {
    const { tables } = props;
    const fn = (id: string, entry: string) => this.addFunction(`${id}Function`, `saga/${entry}`);
    // A take that fails (or a SKU last seen short) reads the SKU's stock shards in one BatchGetItem and replans.
    const reserve = fn('ReserveStock', 'reserve-stock')
      .bindTable(ENV.CATALOG_TABLE, tables.catalog, ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'])
      .bindTable(ENV.ORDERS_TABLE, tables.orders, 'readWrite');
    reserve.addEnvironment(ENV.HOLD_SECONDS, String(this.holdSeconds));
    const createPayment = fn('CreatePaymentIntent', 'create-payment-intent')
      .bindTable(ENV.ORDERS_TABLE, tables.orders, ['GetItem', 'UpdateItem'])
      // The payment record is written once, when the PaymentIntent exists.
      .bindTable(ENV.PAYMENTS_TABLE, tables.payments, ['PutItem'])
      .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, props.secrets.stripeApiKey);
    // It stores the task token on the order (PutItem of the token item, UpdateItem of the order); if the payment
    // finished before the token was stored, it answers the task itself.
    const awaitPayment = fn('AwaitPayment', 'await-payment')
      .bindTable(ENV.ORDERS_TABLE, tables.orders, ['PutItem', 'UpdateItem'])
      .answersTasks(stateMachineArn, "Answers its own task when the payment's outcome arrived before the token was stored, a race the suite does not provoke");
    // The stock ledger commits the hold, the stock and the order's transition in one transaction; the sale notices
    // of provider SKUs need the SKUs' stock sources (one BatchGetItem).
    const commit = fn('CommitOrder', 'commit-order')
      .bindTable(ENV.CATALOG_TABLE, tables.catalog, ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'])
      .bindTable(ENV.ORDERS_TABLE, tables.orders, ['PutItem', 'UpdateItem']);
    const publish = fn('PublishOrderConfirmed', 'publish-order-confirmed').bindQueueProducer(ENV.FULFILMENT_QUEUE_URL, props.fulfilmentQueue.queue);
    const release = fn('ReleaseStock', 'release-stock').bindTable(ENV.CATALOG_TABLE, tables.catalog, ['GetItem', 'UpdateItem']);
    // The stock ledger is built with the orders table's name, but releasing a hold touches no order: no grant.
    release.addEnvironment(ENV.ORDERS_TABLE, tables.orders.tableName);
    const cancelPayment = fn('CancelOrRefundPayment', 'cancel-payment')
      .bindTable(ENV.ORDERS_TABLE, tables.orders, 'read')
      .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, props.secrets.stripeApiKey);
    const markFailed = fn('MarkOrderFailed', 'mark-order-failed').bindTable(ENV.ORDERS_TABLE, tables.orders, 'readWrite');
    // Each builds the order repository or the stock ledger, which key an order's status on its byStatus shard.
    for (const step of [reserve, createPayment, awaitPayment, commit, release, cancelPayment, markFailed]) bindOrderStatusShards(step, tables.orders);
    return { reserve, createPayment, awaitPayment, commit, publish, release, cancelPayment, markFailed };
  }

  /** The saga itself: the forward path, its compensation, and the state machine that runs them with logs and traces. */
  private createOrderSaga(stateMachineName: string, steps: SagaStepFunctions): StateMachine {
    const forward = this.forwardPath(steps, this.compensation(steps));
    const logs = new StockadeLogGroup(this, 'SagaLogs', { stageContext: this.stageContext, logGroupName: `/aws/vendedlogs/states/${stateMachineName}` });
    return new StateMachine(this, 'OrderSaga', {
      stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      comment: 'Stockade order saga: reserve stock, take payment, confirm; or give everything back',
      definitionBody: DefinitionBody.fromChainable(forward.next(new Succeed(this, 'OrderConfirmed'))),
      // Longest path: the payment wait plus generous room for retries and compensation.
      timeout: Duration.seconds(this.holdSeconds + 30 * 60),
      tracingEnabled: true,
      // Execution data would put task tokens and payment references in the logs; state transitions are enough.
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
    });
  }

  /**
   * Reserve, take payment, wait for it (as long as the stock is held), commit, publish. A failure in any of the first
   * four goes to `compensation`; a failed publish stops the execution as failed (alarmed): the order is confirmed but
   * fulfilment was not told.
   */
  private forwardPath(steps: SagaStepFunctions, compensation: Chain): Chain {
    const forward = (task: LambdaInvoke) => task.addCatch(compensation, { errors: ['States.ALL'], resultPath: '$.error' });
    const reserve = forward(this.sagaTask('ReserveStock', steps.reserve, '$.reservation'));
    const createPayment = forward(this.sagaTask('CreatePaymentIntent', steps.createPayment, '$.payment'));
    const awaitPayment = new LambdaInvoke(this, 'AwaitPayment', {
      lambdaFunction: live(steps.awaitPayment),
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({ orderId: JsonPath.stringAt('$.orderId'), taskToken: JsonPath.taskToken }),
      // The payment may take as long as the stock is held, and no longer.
      taskTimeout: Timeout.at('$.reservation.holdSeconds'),
      resultPath: '$.paymentResult',
    });
    awaitPayment.addRetry({ errors: ['TransientError', ...LAMBDA_SERVICE_ERRORS], interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 3 });
    forward(awaitPayment);
    // The payment wait's answer goes along: its paidAt starts the confirmation SLO's clock (shared/observability/slo.ts).
    const commit = forward(
      this.sagaTask(
        'CommitOrder',
        steps.commit,
        '$.commit',
        TaskInput.fromObject({ orderId: JsonPath.stringAt('$.orderId'), paymentResult: JsonPath.objectAt('$.paymentResult') }),
      ),
    );
    const publish = this.sagaTask('PublishOrderConfirmed', steps.publish, '$.published');
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
    return reserve.next(createPayment).next(awaitPayment).next(commit).next(publish);
  }

  /**
   * Gives back what a failed order took: release the stock, cancel or refund the payment, mark the order failed, and
   * end in `OrderFailed` (a business outcome, not a failed execution). Every step is idempotent and retried longer;
   * a compensation that still fails stops the execution as failed (alarmed) rather than leave it looking done.
   */
  private compensation(steps: SagaStepFunctions): Chain {
    const compensationFailed = new Fail(this, 'CompensationFailed', {
      error: 'CompensationFailed',
      cause: 'A compensation step kept failing; see the execution history and the runbook',
    });
    const compensate = (id: string, handler: StockadeFunction, resultPath: string, payload?: TaskInput) => {
      const task = this.sagaTask(id, handler, resultPath, payload);
      task.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 5, maxDelay: Duration.seconds(60) });
      task.addCatch(compensationFailed, { errors: ['States.ALL'], resultPath: '$.compensationError' });
      return task;
    };
    return compensate('ReleaseHeldStock', steps.release, '$.compensationStock')
      .next(compensate('CancelOrRefundPayment', steps.cancelPayment, '$.compensationPayment'))
      .next(
        compensate(
          'MarkOrderFailed',
          steps.markFailed,
          '$.compensationOrder',
          TaskInput.fromObject({
            orderId: JsonPath.stringAt('$.orderId'),
            error: JsonPath.objectAt('$.error'),
            payment: JsonPath.objectAt('$.compensationPayment'),
          }),
        ),
      )
      .next(new Succeed(this, 'OrderFailed', { comment: 'The order failed and everything it took was given back' }));
  }

  /** A synchronous saga step: bounded by STEP_TASK_TIMEOUT, retried on transient and Lambda service errors and on its own timeout. */
  private sagaTask(
    id: string,
    handler: StockadeFunction,
    resultPath: string,
    payload: TaskInput = TaskInput.fromObject({ orderId: JsonPath.stringAt('$.orderId') }),
  ): LambdaInvoke {
    const task = new LambdaInvoke(this, id, { lambdaFunction: live(handler), payload, payloadResponseOnly: true, resultPath, taskTimeout: STEP_TASK_TIMEOUT });
    // Full jitter: steps that lost the same DynamoDB transaction conflict (a flash sale on one SKU) must not all
    // come back at the same instant and collide again.
    task.addRetry({
      errors: ['TransientError', ...LAMBDA_SERVICE_ERRORS],
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxAttempts: 6,
      maxDelay: Duration.seconds(20),
      jitterStrategy: JitterType.FULL,
    });
    task.addRetry({ errors: ['States.Timeout'], interval: Duration.seconds(2), maxAttempts: 2 });
    return task;
  }

  /** The sweeper: holds whose execution died are released after expiry + grace. */
  private addHoldSweeper(props: WorkflowStackProps): void {
    const sweeper = this.addFunction('SweepExpiredHolds', 'inventory/sweep-expired-holds', Duration.seconds(60))
      .bindTable(ENV.CATALOG_TABLE, props.tables.catalog, ['GetItem', 'UpdateItem'], { queries: ['byStatus'] })
      .bindTable(ENV.ORDERS_TABLE, props.tables.orders, 'readWrite')
      .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, props.secrets.stripeApiKey);
    bindOrderStatusShards(sweeper, props.tables.orders);
    sweeper.addEnvironment(ENV.SWEEP_GRACE_SECONDS, String(this.stageContext.config.checkout.sweepGraceMinutes * 60));
    runOnSchedule(sweeper, {
      id: 'SweepSchedule',
      every: Duration.minutes(5),
      description: 'Releases expired stock holds whose saga did not',
      maxEventAge: Duration.minutes(5),
      why: 'The sweep releases every expired hold it finds and is idempotent.',
    });
  }

  /** Payment events: the webhook queues verified Stripe events; this applies them to orders and the saga. */
  private addPaymentEventsConsumer(props: WorkflowStackProps, stateMachineArn: string): void {
    const applyPayments = this.addFunction('ApplyPaymentEvents', 'payments/apply-payment-events', Duration.seconds(25))
      // A payment event updates the record the PaymentIntent's creation wrote.
      .bindTable(ENV.PAYMENTS_TABLE, props.tables.payments, ['GetItem', 'UpdateItem'])
      .bindTable(ENV.ORDERS_TABLE, props.tables.orders, 'readWrite')
      .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, props.secrets.stripeApiKey)
      .consumeQueue(props.paymentEventsQueue, { batchSize: 10 });
    bindOrderStatusShards(applyPayments, props.tables.orders).answersTasks(stateMachineArn);
  }

  /** Reconciliation: Stripe against payments and orders, on the stage's schedule; the report is served to admins. */
  private addReconciliation(props: WorkflowStackProps, stateMachineArn: string): void {
    const { tables } = props;
    const reconciliation = this.stageContext.config.payments.reconciliation;
    const reconcile = new StockadeFunction(this, 'ReconcilePayments', {
      stageContext: this.stageContext,
      entry: 'payments/reconcile-payments',
      service: 'payments',
      timeout: Duration.minutes(10),
    })
      // A slice's payment records in BatchGetItems; one record at a time when a remedy applies an outcome.
      .bindTable(ENV.PAYMENTS_TABLE, tables.payments, ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'])
      // Orders by status and time: the index keeps only keys, the orders are read in BatchGetItems.
      .bindTable(ENV.ORDERS_TABLE, tables.orders, ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'], { queries: ['byStatus'] })
      .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, props.secrets.stripeApiKey);
    bindAuditAppender(reconcile, tables.audit);
    // It reads every shard of the byStatus index.
    bindOrderStatusShards(reconcile, tables.orders);
    this.functions.push(reconcile);
    new FunctionRelease(reconcile, { config: this.stageContext.config });
    // Its remedies (stage config) may answer a stuck saga, settle an order and update its payment record: a run finds
    // a discrepancy only when one exists, and the suite provokes some of them, not all.
    const remedies =
      'Reconciliation remedies (answer a stuck saga, settle the order and its payment record) run only for the discrepancies a run finds; the suite provokes the refund and cancel remedies, not every one';
    reconcile
      .answersTasks(stateMachineArn, remedies)
      .keepGrant({ actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [tables.orders.tableArn, tables.payments.tableArn], reason: remedies });
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
  }

  /**
   * The audit trail's scheduled verification (docs/operations.md, "Audit trail"): each hash chain from its newest
   * anchor to its head, then the verified heads anchored; the break count it emits is what the alarm watches.
   */
  private addAuditVerification(props: WorkflowStackProps): void {
    const verify = bindAuditVerifier(
      new StockadeFunction(this, 'VerifyAuditTrail', {
        stageContext: this.stageContext,
        entry: 'admin/verify-audit-trail',
        service: 'audit',
        timeout: Duration.minutes(5),
      }),
      props.tables.audit,
    );
    this.functions.push(verify);
    new FunctionRelease(verify, { config: this.stageContext.config });
    runOnSchedule(verify, {
      id: 'AuditVerificationSchedule',
      every: Duration.minutes(this.stageContext.config.audit.verifyEveryMinutes),
      description: 'Verifies the audit trail hash chains from their newest anchors and anchors their heads',
      maxEventAge: Duration.minutes(30),
      why: 'Each run verifies every chain from its newest anchor again; a head already anchored is not anchored twice.',
    });
  }

  /** Fulfilment hand-off: OrderConfirmed -> the provider -> FULFILLED. */
  private addFulfilmentHandOff(props: WorkflowStackProps): void {
    bindOrderStatusShards(this.addFunction('HandOffFulfilment', 'fulfilment/hand-off-orders', Duration.seconds(25)), props.tables.orders)
      .bindTable(ENV.ORDERS_TABLE, props.tables.orders, 'readWrite')
      .bindSecret(ENV.FULFILMENT_API_KEY_SECRET_ARN, props.secrets.fulfilmentApiKey)
      .consumeQueue(props.fulfilmentQueue, { batchSize: 10 })
      .addEnvironment(ENV.FULFILMENT_API_URL, this.stageContext.config.fulfilment.apiUrl);
  }

  /**
   * The erasure run (docs/privacy.md, "Erasure"): cancels an order awaiting payment through the customer's cancel path
   * (stock, Stripe, the saga's payment wait), pseudonymises the orders and sets their expiry, deletes the cart, the
   * address and any Stripe customer, tells the fulfilment provider, then signs the customer out and deletes them.
   */
  private addErasureRun(props: WorkflowStackProps, stateMachineArn: string): void {
    const { tables } = props;
    const { config } = this.stageContext;
    const erase = bindOrderStatusShards(this.addFunction('EraseCustomers', 'privacy/erase-customers', Duration.seconds(60)), tables.orders)
      // Its orders (byCustomer), each order's partition (vendor views and history expire with it), and the customer's
      // cart, address and export allowance, which it deletes.
      .bindTable(ENV.ORDERS_TABLE, tables.orders, ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'], { deletes: true, queries: ['byCustomer', 'table'] })
      // Cancelling an order awaiting payment releases its hold (the run never cancels a paid order: it waits).
      .bindTable(ENV.CATALOG_TABLE, tables.catalog, ['GetItem', 'UpdateItem'])
      // The payment record only gets its expiry.
      .bindTable(ENV.PAYMENTS_TABLE, tables.payments, ['UpdateItem'])
      .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, props.secrets.stripeApiKey)
      .bindSecret(ENV.FULFILMENT_API_KEY_SECRET_ARN, props.secrets.fulfilmentApiKey)
      // A request that must wait comes back with backoff (SqsRetryBackoff), not after the queue's visibility timeout.
      .consumeQueue(props.erasureQueue, { batchSize: 1, changesVisibility: true })
      .addEnvironment(ENV.FULFILMENT_API_URL, config.fulfilment.apiUrl)
      .addEnvironment(ENV.COGNITO_USER_POOL_ID, props.userPool.userPoolId)
      .addEnvironment(ENV.PRIVACY_RETENTION_DAYS, String(config.privacy.retentionDays))
      .addEnvironment(ENV.ERASURE_RETRY_MAX_SECONDS, String(config.privacy.erasureRetryMaxSeconds))
      .addEnvironment(ENV.ERASURE_QUEUE_URL, props.erasureQueue.queue.queueUrl);
    bindAuditAppender(erase, tables.audit);
    // The customer's cancel path ends the saga's payment wait of an order it cancels.
    erase.answersTasks(
      stateMachineArn,
      "The customer's cancel path lets the saga go on (success) when it finds the payment already succeeded, and fails the wait otherwise; the suite erases customers whose payment is open",
    );
    erase.addToRolePolicy(
      new PolicyStatement({
        actions: ['cognito-idp:AdminGetUser', 'cognito-idp:AdminListGroupsForUser', 'cognito-idp:AdminUserGlobalSignOut', 'cognito-idp:AdminDeleteUser'],
        resources: [props.userPool.userPoolArn],
      }),
    );
  }

  /** How long checkout holds stock: the payment wait's bound, and the saga's timeout with room for compensation. */
  private get holdSeconds(): number {
    return this.stageContext.config.checkout.holdMinutes * 60;
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
    // Every function here is invoked by the state machine, an event source mapping or a rule: all through its alias.
    new FunctionRelease(fn, { config: this.stageContext.config });
    return fn;
  }

  /**
   * The state machine role may invoke each step function's live alias (the CDK grants exactly the alias ARN a Task
   * names), and deliver logs and traces.
   */
  private acknowledgeStateMachineRole(): void {
    Validations.of(this.stateMachine.role).acknowledge(
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

/** The alias a released function's callers invoke (FunctionRelease), never the unqualified function. */
function live(fn: StockadeFunction): IFunction {
  if (!fn.live) throw new Error(`${fn.node.path} is not released behind an alias: create its FunctionRelease before wiring its callers`);
  return fn.live;
}
