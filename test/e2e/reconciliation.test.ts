import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ulid } from 'ulid';
import { CloudAssembly, type TemplateResource } from '../../local/runtime/assembly';
import { generatedName } from '../../local/aws/service';
import { DynamoDbPaymentRecords } from '../../shared/adapters/dynamodb-payment-records';
import type { Discrepancy } from '../../shared/ports/reconciliation-reports';
import { apiCaller } from '../support/api';
import { dynamoDbClient, localCredentials, stripeClient, tableNamed, testEndpoints } from '../support/endpoints';
import { cognitoClient, signIn } from '../support/identity';
import { until } from '../support/until';

type Json = Record<string, unknown>;

/**
 * The runtime's scheduled ReconcilePayments function, invoked as an operator would (aws lambda invoke), after a
 * payment for an order that does not exist went through Stripe and its webhook: the report GET /admin/reconciliation
 * serves to admins (only) lists it, the dev stage's remedy refunded it once, and the run and the read are audited.
 * Other suites share the runtime's Stripe account and tables, so only this test's own ids are asserted.
 */
describe('reconciliation, end to end', () => {
  const endpoints = testEndpoints();
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const stripe = stripeClient(endpoints);
  const dynamodb = dynamoDbClient(endpoints);
  const records = new DynamoDbPaymentRecords(dynamodb, tableNamed(endpoints, 'PaymentsTable'));
  const lambda = new LambdaClient({ endpoint: endpoints.aws.lambda, region: endpoints.region, credentials: localCredentials });
  const call = apiCaller(endpoints.apiUrl);
  // The runtime names functions from the template, as CloudFormation would.
  const reconcileFunction = generatedName(
    CloudAssembly.load(process.env.STOCKADE_TEST_CDK_OUT as string, 'dev')
      .resourcesOfType('AWS::Lambda::Function')
      .find((r) => r.logicalId.startsWith('ReconcilePayments')) as TemplateResource,
    64,
  );
  /**
   * A manual run may narrow the settle time (the schedule keeps 300 s). Not to 0: other suites' PaymentIntents made
   * a moment ago and not yet attached to their orders would look orphaned, and dev cancels orphans.
   */
  const SETTLE_SECONDS = 3;
  let admin = '';
  let customer = '';

  beforeAll(async () => {
    const client = cognitoClient();
    admin = await signIn(client, users.admin);
    customer = await signIn(client, users.customer);
    client.destroy();
  });
  afterAll(() => {
    dynamodb.destroy();
    lambda.destroy();
  });

  async function reconcile(): Promise<Json> {
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: reconcileFunction, Payload: Buffer.from(JSON.stringify({ settleSeconds: SETTLE_SECONDS })) }),
    );
    const body = JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8') || 'null') as Json;
    expect({ functionError: out.FunctionError, body }).toEqual({
      functionError: undefined,
      body: expect.objectContaining({ checked: expect.any(Number), discrepancies: expect.any(Number) }),
    });
    return body;
  }

  /** Audit events from `since` on, newest first, every page. */
  async function auditSince(since: string): Promise<Json[]> {
    const events: Json[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await call('GET', `/admin/audit?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, admin);
      expect(page.status).toBe(200);
      const items = page.body.items as Json[];
      events.push(...items.filter((e) => String(e.at) >= since));
      cursor = page.body.nextCursor as string | undefined;
      if (!cursor || items.some((e) => String(e.at) < since)) return events;
    }
  }

  it('reports a payment for an order that does not exist as paid-without-order, refunds it once, serves the report to admins only, audited', async () => {
    const startedAt = new Date().toISOString();
    const orderId = ulid();
    const intent = await stripe.paymentIntents.create({ amount: 2700, currency: 'eur', metadata: { orderId } });
    await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    // Its webhook was received and applied: the payment record is decided, for no order.
    const record = await until('the payment_intent.succeeded webhook', async () => {
      const r = await records.get(intent.id);
      return r?.state === 'SUCCEEDED' ? r : undefined;
    });
    expect(record).toMatchObject({ decidedBy: 'webhook', outcome: { kind: 'succeeded', amount: 2700 } });
    expect(record.orderId).toBeUndefined();
    // Older than the settle time, so this run compares it.
    await new Promise((r) => setTimeout(r, Math.max(0, (intent.created + SETTLE_SECONDS + 1) * 1000 - Date.now())));

    const summary = await reconcile();
    expect(summary.discrepancies).toBeGreaterThanOrEqual(1);

    const served = await call('GET', '/admin/reconciliation', admin);
    expect(served.status).toBe(200);
    expect(served.headers.get('cache-control')).toBe('no-store');
    expect(served.body).toEqual(expect.objectContaining({ runAt: expect.any(String), checked: summary.checked, discrepancies: expect.any(Array) }));
    expect(String(served.body.runAt) >= startedAt).toBe(true);
    const ours = (served.body.discrepancies as Discrepancy[]).filter((d) => d.paymentIntentId === intent.id || d.orderId === orderId);
    expect(ours).toEqual([
      {
        kind: 'paid-without-order',
        orderId,
        paymentIntentId: intent.id,
        detail: `2700 eur taken; order ${orderId} does not exist`,
        remedy: { name: 'refund-paid-without-order', outcome: 'applied', detail: expect.stringMatching(/^refund re_\w+ succeeded$/) },
      },
    ]);
    const refunds = (await stripe.refunds.list({ payment_intent: intent.id })).data;
    expect(refunds.map((r) => [r.amount, r.status])).toEqual([[2700, 'succeeded']]);

    expect((await call('GET', '/admin/reconciliation', customer)).status).toBe(403);

    const events = await auditSince(startedAt);
    expect(events).toContainEqual(
      expect.objectContaining({ actor: 'system:reconciliation', action: 'reconciliation.run', target: 'payments', outcome: 'succeeded' }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        actor: 'system:reconciliation',
        action: 'reconciliation.refund-paid-without-order',
        target: `order:${orderId}`,
        outcome: 'succeeded',
        detail: expect.stringContaining(intent.id),
      }),
    );
    const reads = events.filter((e) => e.action === 'reconciliation.read');
    expect(reads).toContainEqual(
      expect.objectContaining({ target: 'payments', outcome: 'succeeded', detail: expect.stringContaining(`report of ${String(served.body.runAt)}`) }),
    );
    expect(reads.every((e) => e.actor !== 'system:reconciliation')).toBe(true);

    // The next run finds it settled (refunded in full) and refunds nothing more.
    await reconcile();
    const next = await call('GET', '/admin/reconciliation', admin);
    expect(String(next.body.runAt) > String(served.body.runAt)).toBe(true);
    expect((next.body.discrepancies as Discrepancy[]).filter((d) => d.paymentIntentId === intent.id)).toEqual([]);
    expect((await stripe.refunds.list({ payment_intent: intent.id })).data).toHaveLength(1);
  }, 90_000);
});
