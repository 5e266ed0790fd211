import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, SFNClient, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CloudAssembly, type TemplateResource } from '../../local/runtime/assembly';
import { IntrinsicResolver } from '../../local/runtime/intrinsics';
import { LambdaService } from '../../local/aws/lambda/lambda-service';
import type { InvokeOutcome } from '../../local/aws/lambda/local-function';
import { StepFunctionsService } from '../../local/aws/step-functions/step-functions';
import type { StoredOrder } from '../../shared/domain/orders/order';
import { localCredentials, stripeClient, testEndpoints } from '../support/endpoints';
import { runtimeStores } from '../support/runtime-stores';
import { pendingOrder, type ProbeSku, stockedSkus } from '../support/order-builders';

/** What to do to one saga step's invocations. */
type Fault =
  /** The step never runs: every attempt fails as a transient error (retries run out, then Catch). */
  | 'transient-always'
  /** The first attempt runs, but its answer is lost (the retry must find the work done). */
  | 'lost-answer-once'
  /** The step fails once before running; the retry succeeds. */
  | 'transient-once'
  /** A non-retryable failure before the step runs. */
  | 'fatal'
  /** Only for ReserveStock: the hold it reports is 2 s, so AwaitPayment times out. */
  | 'short-hold';

type Step =
  | 'ReserveStock'
  | 'CreatePaymentIntent'
  | 'AwaitPayment'
  | 'CommitOrder'
  | 'PublishOrderConfirmed'
  | 'ReleaseStock'
  | 'CancelOrRefundPayment'
  | 'MarkOrderFailed';
type Plan = Partial<Record<Step, Fault>>;

const STOCK = 10;
const QUANTITY = 3;

/**
 * The order saga from the synthesized definition (the template the runtime runs), played by a Step Functions
 * service of this test whose Lambda invoker reaches the runtime's real saga functions over the Lambda Invoke API,
 * with a fault injected at each step in turn. Every execution must end CONFIRMED (stock committed once, one
 * PaymentIntent, paid) or fully compensated (stock back, PaymentIntent canceled or refunded, order FAILED).
 */
describe('order saga with a failure injected at every step', () => {
  const endpoints = testEndpoints();
  const workDir = mkdtempSync(path.join(tmpdir(), 'stockade-saga-faults-'));
  const assembly = CloudAssembly.load(process.env.STOCKADE_TEST_CDK_OUT as string, 'dev');
  const { dynamodb, orders, catalog, ledger, stock } = runtimeStores(endpoints);
  const lambda = new LambdaClient({ endpoint: endpoints.aws.lambda, region: endpoints.region, credentials: localCredentials });
  const stripe = stripeClient(endpoints);
  /** Fault plans by order id (the execution name), and how often each step was invoked. */
  const plans = new Map<string, Plan>();
  const attempts = new Map<string, number>();
  const tokens = new Map<string, string>();
  let stepFunctions: StepFunctionsService;
  let sfn: SFNClient;
  let sagaArn = '';

  const stepOf = (functionName: string): Step | undefined =>
    (
      [
        'ReserveStock',
        'CreatePaymentIntent',
        'AwaitPayment',
        'CommitOrder',
        'PublishOrderConfirmed',
        'ReleaseStock',
        'CancelOrRefundPayment',
        'MarkOrderFailed',
      ] as const
    ).find((s) => functionName.includes(`-${s}Function`));
  const transient = (message: string): InvokeOutcome => ({ ok: false, error: { errorType: 'TransientError', errorMessage: message } });

  /** Calls the runtime's real function, as Step Functions would, through the Lambda Invoke API. */
  async function invokeReal(functionName: string, payload: unknown): Promise<InvokeOutcome> {
    const out = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }));
    const body = JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8') || 'null') as unknown;
    if (out.FunctionError) return { ok: false, error: body as { errorType: string; errorMessage: string } };
    return { ok: true, value: body };
  }

  async function invoker(functionName: string, payload: unknown): Promise<InvokeOutcome> {
    const step = stepOf(functionName);
    const orderId = (payload as { orderId?: string }).orderId ?? '';
    const key = `${orderId}:${step}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const fault = step ? plans.get(orderId)?.[step] : undefined;
    if (step === 'AwaitPayment') tokens.set(orderId, (payload as { taskToken: string }).taskToken);
    if (fault === 'transient-always' || (fault === 'transient-once' && attempt === 1)) return transient(`injected: ${step} unavailable`);
    if (fault === 'fatal') return { ok: false, error: { errorType: 'Error', errorMessage: `injected: ${step} broke` } };
    const outcome = await invokeReal(functionName, payload);
    if (fault === 'lost-answer-once' && attempt === 1) return transient(`injected: ${step} answer lost`);
    if (fault === 'short-hold' && outcome.ok) return { ok: true, value: { ...(outcome.value as object), holdSeconds: 2 } };
    return outcome;
  }

  beforeAll(async () => {
    stepFunctions = new StepFunctionsService({ invoke: invoker, retryIntervalScale: 0.01 });
    // Only for the function and alias names and ARNs the definition refers to (the runtime's own, by the same naming):
    // the saga's tasks invoke each step's live alias.
    const names = new LambdaService({ assembly, logDirectory: path.join(workDir, 'logs'), sdkEnvironment: () => ({}) });
    const resolver = new IntrinsicResolver(assembly, (r: TemplateResource) => {
      if (r.type === 'AWS::StepFunctions::StateMachine') return stepFunctions.physical(r);
      if ((names.resourceTypes as readonly string[]).includes(r.type)) return names.physical(r);
      return undefined;
    });
    await stepFunctions.start();
    await stepFunctions.provision(assembly.resourcesOfType('AWS::StepFunctions::StateMachine'), resolver);
    sagaArn = stepFunctions.stateMachines().find((m) => m.name.endsWith('order-saga'))?.arn as string;
    sfn = new SFNClient({ endpoint: stepFunctions.endpoint, region: endpoints.region, credentials: localCredentials });
  }, 60_000);

  afterAll(async () => {
    sfn?.destroy();
    await stepFunctions?.stop();
    dynamodb.destroy();
    lambda.destroy();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** A fresh SKU with STOCK units and a PENDING order for QUANTITY of it, as checkout leaves it. */
  async function freshOrder(): Promise<{ order: StoredOrder; sku: string }> {
    const [probe] = (await stockedSkus(catalog, { prefix: 'FAULT', stock: STOCK, unitAmount: 1500 })) as [ProbeSku];
    return { order: await pendingOrder(orders, `customer-${probe.sku}`, [{ ...probe, quantity: QUANTITY }]), sku: probe.sku };
  }

  /** Runs one order through the saga under `plan`; pays with a real confirmation when the saga waits for payment. */
  async function run(plan: Plan, card: 'pm_card_visa' | 'none' = 'pm_card_visa') {
    const { order, sku } = await freshOrder();
    plans.set(order.orderId, plan);
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: sagaArn, name: order.orderId, input: JSON.stringify({ orderId: order.orderId }) }),
    );
    const deadline = Date.now() + 60_000;
    let paid = false;
    for (;;) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status !== 'RUNNING') {
        const final = (await orders.get(order.orderId)) as StoredOrder;
        const paymentIntentId = final.payment?.paymentIntentId;
        const intent = paymentIntentId ? await stripe.paymentIntents.retrieve(paymentIntentId) : undefined;
        const charge = typeof intent?.latest_charge === 'string' ? await stripe.charges.retrieve(intent.latest_charge) : undefined;
        const intents = (await stripe.paymentIntents.list({ limit: 100 })).data.filter((pi) => pi.metadata?.orderId === order.orderId);
        return { execution: described, order: final, stock: await stock(sku), intent, charge, intents, hold: await ledger.get(order.orderId) };
      }
      const token = tokens.get(order.orderId);
      const current = await orders.get(order.orderId);
      if (!paid && token && current?.status === 'AWAITING_PAYMENT' && card !== 'none') {
        paid = true;
        const paymentIntentId = current.payment?.paymentIntentId as string;
        await stripe.paymentIntents.confirm(paymentIntentId, { payment_method: card });
        // This test's Step Functions holds the wait; answer it as the webhook does for the runtime's.
        await sfn
          .send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ paymentIntentId, status: 'succeeded' }) }))
          .catch(() => undefined);
      }
      if (Date.now() > deadline) throw new Error(`execution of ${order.orderId} still running`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  type Result = Awaited<ReturnType<typeof run>>;

  function expectConfirmed(r: Result): void {
    expect(['CONFIRMED', 'FULFILLED']).toContain(r.order.status);
    expect(r.stock).toEqual({ onHand: STOCK - QUANTITY, reserved: 0, available: STOCK - QUANTITY });
    expect(r.hold?.status).toBe('COMMITTED');
    expect(r.intents).toHaveLength(1);
    expect(r.intent?.status).toBe('succeeded');
    expect(r.charge?.refunded).toBe(false);
  }

  function expectCompensated(r: Result, reason: RegExp): void {
    expect(r.execution.status).toBe('SUCCEEDED');
    expect(r.order.status).toBe('FAILED');
    expect(r.order.failureReason).toMatch(reason);
    expect(r.stock).toEqual({ onHand: STOCK, reserved: 0, available: STOCK });
    expect(r.hold === undefined || r.hold.status === 'RELEASED').toBe(true);
    expect(r.intents.length).toBeLessThanOrEqual(1);
    if (r.intent) {
      const refunded = r.intent.status === 'succeeded' && r.charge?.refunded === true;
      expect(r.intent.status === 'canceled' || refunded).toBe(true);
    }
  }

  const internal = /could not be completed/;

  it('no fault: CONFIRMED, stock committed, one paid PaymentIntent', async () => {
    const r = await run({});
    expect(r.execution.status).toBe('SUCCEEDED');
    expectConfirmed(r);
  }, 90_000);

  it.each<[Step, Fault]>([
    ['ReserveStock', 'lost-answer-once'],
    ['ReserveStock', 'transient-once'],
    ['CreatePaymentIntent', 'lost-answer-once'],
    ['AwaitPayment', 'transient-once'],
    ['CommitOrder', 'lost-answer-once'],
    ['PublishOrderConfirmed', 'lost-answer-once'],
  ])(
    '%s with %s: retried to the same single effect, CONFIRMED',
    async (step, fault) => {
      const r = await run({ [step]: fault });
      expect(r.execution.status).toBe('SUCCEEDED');
      expectConfirmed(r);
    },
    90_000,
  );

  it.each<[Step, Fault, RegExp]>([
    ['ReserveStock', 'transient-always', internal],
    ['ReserveStock', 'fatal', internal],
    ['CreatePaymentIntent', 'transient-always', internal],
    ['CreatePaymentIntent', 'fatal', internal],
    ['AwaitPayment', 'fatal', internal],
    ['CommitOrder', 'transient-always', internal],
    ['CommitOrder', 'fatal', internal],
  ])(
    '%s with %s: fully compensated (stock back, payment canceled or refunded, FAILED)',
    async (step, fault, reason) => {
      const r = await run({ [step]: fault });
      expectCompensated(r, reason);
    },
    90_000,
  );

  it('AwaitPayment times out when the hold expires unpaid: compensated, the PaymentIntent canceled', async () => {
    const r = await run({ ReserveStock: 'short-hold' }, 'none');
    expectCompensated(r, /not completed before the stock hold expired/);
    expect(r.intent?.status).toBe('canceled');
  }, 90_000);

  it('a payment taken before CommitOrder fails is refunded', async () => {
    const r = await run({ CommitOrder: 'fatal' });
    expectCompensated(r, internal);
    expect(r.intent?.status).toBe('succeeded');
    expect(r.charge?.refunded).toBe(true);
  }, 90_000);

  it('compensation steps that fail transiently are retried to completion', async () => {
    const r = await run({ CommitOrder: 'fatal', ReleaseStock: 'transient-once', CancelOrRefundPayment: 'lost-answer-once', MarkOrderFailed: 'transient-once' });
    expectCompensated(r, internal);
  }, 90_000);

  it('a compensation that never succeeds fails the execution (alarmed) instead of looking done', async () => {
    const r = await run({ ReserveStock: 'fatal', MarkOrderFailed: 'transient-always' });
    expect(r.execution.status).toBe('FAILED');
    expect(r.execution.error).toBe('CompensationFailed');
    // What could be undone was: nothing was held, no payment exists.
    expect(r.stock).toEqual({ onHand: STOCK, reserved: 0, available: STOCK });
    expect(r.intents).toHaveLength(0);
  }, 90_000);

  it('PublishOrderConfirmed that never succeeds keeps the sale and fails the execution for an operator', async () => {
    const r = await run({ PublishOrderConfirmed: 'transient-always' });
    expect(r.execution.status).toBe('FAILED');
    expect(r.execution.error).toBe('FulfilmentNotNotified');
    expect(r.order.status).toBe('CONFIRMED');
    expect(r.stock).toEqual({ onHand: STOCK - QUANTITY, reserved: 0, available: STOCK - QUANTITY });
    expect(r.charge?.refunded).toBe(false);
  }, 90_000);
});
