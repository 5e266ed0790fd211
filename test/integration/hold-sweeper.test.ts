import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CloudAssembly, type TemplateResource } from '../../local/runtime/assembly';
import { generatedName } from '../../local/aws/service';
import type { StoredOrder } from '../../shared/domain/orders/order';
import { localCredentials, stripeClient, testEndpoints } from '../support/endpoints';
import { runtimeStores } from '../support/runtime-stores';
import { pendingOrder, type ProbeSku, stockedSkus } from '../support/order-builders';

/**
 * The expired-hold sweeper, as deployed (the runtime's function, invoked through the Lambda API as its schedule
 * does): a hold whose saga died is released once it is past expiry plus the grace period, its order fails and its
 * PaymentIntent is canceled; a hold still within its time is left alone.
 */
describe('expired stock holds are released by the sweeper even if the execution died', () => {
  const endpoints = testEndpoints();
  const { dynamodb, orders, catalog, ledger, stock } = runtimeStores(endpoints);
  const lambda = new LambdaClient({ endpoint: endpoints.aws.lambda, region: endpoints.region, credentials: localCredentials });
  const stripe = stripeClient(endpoints);

  afterAll(() => {
    dynamodb.destroy();
    lambda.destroy();
  });

  /** An order whose saga reserved `quantity` (hold expiring at `expiresAt`), created its PaymentIntent, then died. */
  async function abandonedOrder(expiresAt: Date, quantity: number): Promise<{ order: StoredOrder; sku: string; paymentIntentId: string }> {
    const [probe] = (await stockedSkus(catalog, { prefix: 'SWEEP', stock: 5 })) as [ProbeSku];
    const { sku } = probe;
    const at = new Date().toISOString();
    const order = await pendingOrder(orders, `customer-${sku}`, [{ ...probe, quantity }]);
    expect(await ledger.reserve(order.orderId, [{ sku, quantity }], expiresAt.toISOString(), at)).toEqual({ outcome: 'reserved' });
    const intent = await stripe.paymentIntents.create({ amount: order.total.amount, currency: 'eur', metadata: { orderId: order.orderId } });
    await orders.attachPayment(order.orderId, { provider: 'stripe', paymentIntentId: intent.id, status: intent.status }, at);
    return { order, sku, paymentIntentId: intent.id };
  }

  // The runtime names functions from the template, as CloudFormation would.
  const sweeperResource = CloudAssembly.load(process.env.STOCKADE_TEST_CDK_OUT as string, 'dev')
    .resourcesOfType('AWS::Lambda::Function')
    .find((r) => r.logicalId.startsWith('SweepExpiredHolds')) as TemplateResource;
  const sweeperName = generatedName(sweeperResource, 64);

  async function sweep(): Promise<{ released: number; failedOrders: number }> {
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: sweeperName, Payload: Buffer.from(JSON.stringify({ source: 'aws.events', 'detail-type': 'Scheduled Event' })) }),
    );
    expect(out.FunctionError).toBeUndefined();
    return JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8')) as { released: number; failedOrders: number };
  }

  it('releases a hold past expiry + grace, fails its order and cancels its PaymentIntent; leaves a live hold alone', async () => {
    const expired = await abandonedOrder(new Date(Date.now() - 60 * 60 * 1000), 2);
    const live = await abandonedOrder(new Date(Date.now() + 10 * 60 * 1000), 1);
    expect(await stock(expired.sku)).toEqual({ onHand: 5, reserved: 2, available: 3 });

    const result = await sweep();
    expect(result.released).toBeGreaterThanOrEqual(1);

    expect(await stock(expired.sku)).toEqual({ onHand: 5, reserved: 0, available: 5 });
    expect((await ledger.get(expired.order.orderId))?.status).toBe('RELEASED');
    expect(await orders.get(expired.order.orderId)).toMatchObject({ status: 'FAILED', failureReason: 'The stock hold expired before the payment completed' });
    expect((await stripe.paymentIntents.retrieve(expired.paymentIntentId)).status).toBe('canceled');

    expect(await stock(live.sku)).toEqual({ onHand: 5, reserved: 1, available: 4 });
    expect((await ledger.get(live.order.orderId))?.status).toBe('ACTIVE');
    expect((await orders.get(live.order.orderId))?.status).toBe('RESERVED');

    // A second sweep finds nothing more to do for it.
    await sweep();
    expect(await stock(expired.sku)).toEqual({ onHand: 5, reserved: 0, available: 5 });
  }, 60_000);
});
