import { randomBytes, randomUUID } from 'node:crypto';
import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import { DynamoDbPaymentEventLedger } from '../../shared/adapters/dynamodb-payment-event-ledger';
import { DynamoDbPaymentRecords } from '../../shared/adapters/dynamodb-payment-records';
import { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import { type CheckoutCall, checkoutIdempotencyConfig } from '../../shared/config/checkout-idempotency';
import { checkout, type CheckoutDeps } from '../../shared/domain/orders/checkout';
import { handOffOrder } from '../../shared/domain/orders/fulfilment';
import type { StoredOrder } from '../../shared/domain/orders/order';
import { awaitPayment, commitOrder, createPaymentIntent, DEFAULT_HOLD_SECONDS, receivePaymentOutcome, reserveStock } from '../../shared/domain/orders/saga';
import type { PaymentGateway } from '../../shared/ports/payment-gateway';
import { applyPaymentEvent } from '../../shared/domain/payments/receive-webhook';
import type { ProviderEvent } from '../../shared/ports/payment-events';
import { CapacityMeter, type CapacityUse } from '../lib/consumed-capacity';
import { num } from '../lib/format';
import { log } from '../lib/progress';
import { localAws } from '../lib/runtime-clients';
import type { BenchContext } from './context';
import { DEMO_ADDRESS as BENCH_ADDRESS } from '../../local/demo/demo-address';
import { STAGE_DEFAULTS } from '../../lib/config/stages';
import { lambdaContext } from './lambda-context';
import type { CheckoutOptions } from './options';
import type { LambdaPerOrder } from './paid-orders';

/**
 * Characters of the Step Functions task token stored on the order while it awaits payment. AWS tokens are opaque
 * and far longer than the local interpreter's 86; the capacity run assumes this many (it sets the order item's size).
 */
export const TASK_TOKEN_CHARS = 700;

export interface StepCapacity {
  readonly step: string;
  readonly calls: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly writeIndexUnits: number;
  readonly detail: string;
}

export interface CapacityResult {
  readonly orders: number;
  readonly steps: StepCapacity[];
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly unmetered: string[];
  readonly ledgerEvents: number;
}

/** The real adapters on one metered client, the use cases' other ports as in-process stand-ins. */
interface Adapters {
  readonly orders: DynamoDbOrderRepository;
  readonly stock: DynamoDbStockLedger;
  readonly ledger: DynamoDbPaymentEventLedger;
  readonly records: DynamoDbPaymentRecords;
  readonly payments: PaymentGateway;
  readonly waits: { succeed: () => Promise<boolean>; fail: () => Promise<boolean> };
  readonly now: () => Date;
  readonly checkout: CheckoutDeps;
}

/** The ids the capacity run gives the Stripe stand-ins' objects, shaped like Stripe's (pi_ + 24 characters). */
const stripeLikeId = (prefix: string, chars = 24) => `${prefix}_${randomBytes(chars).toString('base64url').replace(/[-_]/g, 'x').slice(0, chars)}`;

const unexpected = (what: string) => () => Promise.reject(new Error(`${what} is not on the happy path`));

/** Phase 3: DynamoDB capacity of --capacity orders, with as many ledger events per order as the paid orders saw. */
export async function capacityPhase(ctx: BenchContext, opts: CheckoutOptions, lambda: LambdaPerOrder): Promise<CapacityResult> {
  const ledgerEvents = Math.max(1, Math.round(lambda.webhookDeliveries));
  log(`3/4 DynamoDB capacity of ${opts.capacity} orders through the real adapters (${ledgerEvents} ledger events each)...`);
  return capacityPerOrder(ctx, opts, ledgerEvents);
}

/** Drives opts.capacity orders through the real adapters and domain use cases, metering every DynamoDB call by step. */
async function capacityPerOrder(ctx: BenchContext, opts: CheckoutOptions, ledgerEvents: number): Promise<CapacityResult> {
  const meter = new CapacityMeter();
  const client = meter.client({ ...localAws(ctx.endpoints.aws.dynamodb), maxAttempts: 1 });
  const adapters = adaptersOn(client, ctx);
  const orderCheckout = idempotentCheckout(adapters.checkout, client, ctx.idempotencyTable);
  const customerId = `bench-capacity-${randomBytes(4).toString('hex')}`;
  try {
    for (let k = 0; k < opts.capacity; k++) await driveOneOrder(meter, adapters, () => orderCheckout(customerId, ctx.sku), ledgerEvents);
  } finally {
    client.destroy();
  }
  const steps = [...new Set(meter.uses.map((u) => u.step))].map((step) =>
    stepCapacity(
      step,
      meter.uses.filter((u) => u.step === step),
      opts.capacity,
      ledgerEvents,
    ),
  );
  return {
    orders: opts.capacity,
    steps,
    readUnits: steps.reduce((s, x) => s + x.readUnits, 0),
    writeUnits: steps.reduce((s, x) => s + x.writeUnits, 0),
    unmetered: [...new Set(meter.unmetered)],
    ledgerEvents,
  };
}

function adaptersOn(client: DynamoDBClient, ctx: BenchContext): Adapters {
  const { ordersTable, catalogTable } = ctx;
  const orders = new DynamoDbOrderRepository(client, ordersTable, STAGE_DEFAULTS.dev.orders.statusShards);
  const now = () => new Date();
  const checkoutDeps: CheckoutDeps = {
    orders,
    catalog: new DynamoDbCatalogRepository(client, catalogTable),
    carts: { get: unexpected('carts.get'), save: unexpected('carts.save'), delete: unexpected('carts.delete') },
    workflow: { start: () => Promise.resolve() },
    now,
    newId: () => ulid(),
    // Every benchmark customer ships to one address with the stage's own rates: checkout prices shipping as deployed.
    addresses: { get: () => Promise.resolve(BENCH_ADDRESS), put: unexpected('addresses.put') },
    shipping: STAGE_DEFAULTS.dev.shipping,
  };
  return {
    orders,
    stock: new DynamoDbStockLedger(client, catalogTable, ordersTable, STAGE_DEFAULTS.dev.orders.statusShards),
    ledger: new DynamoDbPaymentEventLedger(client, ctx.paymentsTable),
    records: new DynamoDbPaymentRecords(client, ctx.paymentsTable),
    payments: paymentGatewayStandIn(),
    waits: { succeed: () => Promise.resolve(true), fail: () => Promise.resolve(true) },
    now,
    checkout: checkoutDeps,
  };
}

/** Creates PaymentIntents with Stripe-shaped ids and client secrets; anything else is off the happy path. */
function paymentGatewayStandIn(): PaymentGateway {
  return {
    createPaymentIntent: ({ amount }) => {
      const id = stripeLikeId('pi');
      return Promise.resolve({
        paymentIntentId: id,
        status: 'requires_payment_method',
        amount,
        clientSecret: `${id}_secret_${stripeLikeId('s', 25).slice(2)}`,
      });
    },
    retrieve: unexpected('payments.retrieve'),
    cancel: unexpected('payments.cancel'),
    refund: unexpected('payments.refund'),
    refundsOf: unexpected('payments.refundsOf'),
  };
}

/**
 * The same idempotency wrapper POST /checkout uses (functions/checkout/create-checkout.ts), on the real table, with
 * a Lambda context registered as the handler does (the record then carries its in-progress expiry, as deployed).
 * Returns a checkout of one unit of `sku` under a fresh Idempotency-Key.
 */
function idempotentCheckout(deps: CheckoutDeps, client: DynamoDBClient, table: string) {
  const idempotency = checkoutIdempotencyConfig();
  const wrapped = makeIdempotent(
    (call: CheckoutCall) => checkout(deps, { customerId: call.customerId, email: 'bench@stockade.test' }, call.idempotencyKey, call.request),
    {
      persistenceStore: new DynamoDBPersistenceLayer({ tableName: table, awsSdkV3Client: client }),
      config: idempotency,
    },
  );
  return (customerId: string, sku: string) => {
    idempotency.registerLambdaContext(lambdaContext('CreateCheckout'));
    return wrapped({ customerId, idempotencyKey: `bench-capacity-${randomUUID()}`, request: { items: [{ sku, quantity: 1 }] } });
  };
}

/** One order from checkout to fulfilment hand-off, each DynamoDB call labelled with the step (function) making it. */
async function driveOneOrder(meter: CapacityMeter, a: Adapters, placeOrder: () => Promise<{ orderId: string }>, ledgerEvents: number): Promise<void> {
  const { orders, stock, records, payments, waits, now } = a;
  meter.step = 'POST /checkout';
  const { orderId } = await placeOrder();
  meter.step = 'ReserveStock';
  await reserveStock({ orders, stock, now, holdSeconds: DEFAULT_HOLD_SECONDS }, orderId);
  meter.step = 'CreatePaymentIntent';
  const { paymentIntentId } = await createPaymentIntent({ orders, payments, records, now }, orderId);
  meter.step = 'AwaitPayment';
  await awaitPayment({ orders, waits, now }, orderId, randomBytes(TASK_TOKEN_CHARS).toString('base64url').slice(0, TASK_TOKEN_CHARS));
  meter.step = 'GET /orders/{id}';
  const order = (await orders.get(orderId)) as StoredOrder;
  // Stripe's deliveries for the payment, the outcome last: each is recorded at intake (ReceiveStripeWebhook), then
  // applied by ApplyPaymentEvents (the ledger's check, the outcome if it is one, the ledger's mark).
  const events = Array.from({ length: ledgerEvents }, (_, e) =>
    e === ledgerEvents - 1 ? succeededEvent(orderId, order, paymentIntentId) : { ...succeededEvent(orderId, order, paymentIntentId), type: 'charge.succeeded' },
  );
  meter.step = 'Stripe webhook: intake';
  for (const event of events) await a.ledger.record(event, now());
  meter.step = 'Stripe webhook: apply';
  const outcomeDeps = { orders, records, waits, payments, now };
  for (const event of events)
    await applyPaymentEvent(
      {
        ledger: a.ledger,
        now,
        onPaymentOutcome: (id, outcome) => receivePaymentOutcome(outcomeDeps, id, outcome),
        onRefund: unexpected('a refund'),
        onChargeRefunded: unexpected('a charge refund'),
      },
      event,
    );
  meter.step = 'CommitOrder';
  await commitOrder({ stock, now }, orderId);
  meter.step = 'Fulfilment hand-off';
  const handedOff = await handOffOrder({ orders, provider: { submit: (o) => Promise.resolve({ reference: `shp_1_${o.orderId}` }) }, now }, orderId);
  if (handedOff !== 'fulfilled') throw new Error(`Capacity order ${orderId}: hand-off answered ${handedOff}`);
}

/** A payment_intent.succeeded event for the order, with a fresh Stripe-shaped event id. */
function succeededEvent(orderId: string, order: StoredOrder, paymentIntentId: string): ProviderEvent {
  return {
    provider: 'stripe',
    eventId: stripeLikeId('evt'),
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    objectId: paymentIntentId,
    paymentIntent: { id: paymentIntentId, status: 'succeeded', amount: order.total.amount, currency: order.total.currency.toLowerCase(), orderId },
  };
}

/** One step's calls and units, averaged over `orders`, with its calls spelt out by command and table. */
function stepCapacity(step: string, uses: readonly CapacityUse[], orders: number, ledgerEvents: number): StepCapacity {
  const calls = new Map<string, number>();
  for (const u of uses) calls.set(`${u.command} ${u.tables}`, (calls.get(`${u.command} ${u.tables}`) ?? 0) + 1);
  const sum = (kind: 'read' | 'write', pick: (u: CapacityUse) => number) => uses.filter((u) => u.kind === kind).reduce((s, u) => s + pick(u), 0) / orders;
  return {
    step: step.startsWith('Stripe webhook') ? `${step} (${ledgerEvents} event${ledgerEvents === 1 ? '' : 's'})` : step,
    calls: uses.length / orders,
    readUnits: sum('read', (u) => u.units),
    writeUnits: sum('write', (u) => u.units),
    writeIndexUnits: sum('write', (u) => u.indexUnits),
    detail: [...calls]
      .map(
        ([call, n]) =>
          `${n / orders === 1 ? '' : `${num(n / orders, n % orders === 0 ? 0 : 1)}× `}${call} (${num(uses.filter((u) => `${u.command} ${u.tables}` === call).reduce((x, u) => x + u.units, 0) / n)})`,
      )
      .join(', '),
  };
}
