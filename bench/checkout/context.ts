import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import Stripe from 'stripe';
import { apiCaller } from '../../local/clients/api-client';
import type { Endpoints, LocalRuntime } from '../../local/runtime/local-runtime';
import { log } from '../lib/progress';
import { localAws, signInDemoUsers, tableNamed } from '../lib/runtime-clients';

/** Stock of the benchmark SKU: far more than any run sells. */
export const BENCH_STOCK = 1_000_000;

/** One call to the local API: method, path, bearer token, JSON body, headers. */
export type ApiCall = ReturnType<typeof apiCaller>;

/** What every step of the checkout benchmark works against: the runtime, its clients and tables, a signed-in customer, a fresh SKU. */
export interface BenchContext {
  readonly runtime: LocalRuntime;
  readonly endpoints: Endpoints;
  readonly api: ApiCall;
  readonly ddb: DynamoDBClient;
  readonly sfn: SFNClient;
  readonly stripe: Stripe;
  readonly ordersTable: string;
  readonly catalogTable: string;
  readonly paymentsTable: string;
  readonly idempotencyTable: string;
  readonly stateMachineArn: string;
  readonly customerToken: string;
  readonly sku: string;
}

/** Sets the benchmark up on `runtime`, runs `use` with it and closes its clients afterwards. */
export async function withBenchContext(runtime: LocalRuntime, use: (ctx: BenchContext) => Promise<void>): Promise<void> {
  const ctx = await benchContext(runtime);
  try {
    log(`Benchmark SKU ${ctx.sku} (stock ${BENCH_STOCK.toLocaleString('en-US')}); demo customer signed in.`);
    await use(ctx);
  } finally {
    ctx.ddb.destroy();
    ctx.sfn.destroy();
  }
}

async function benchContext(runtime: LocalRuntime): Promise<BenchContext> {
  const { endpoints } = runtime;
  const stateMachineArn = Object.values(endpoints.stateMachines)[0];
  const { stripe } = endpoints;
  if (!stripe || !stateMachineArn) throw new Error('The local runtime has no Stripe stand-in or state machine');
  const { customer: customerToken, vendor: vendorToken } = await signInDemoUsers(endpoints, ['customer', 'vendor']);
  // The local API as the benchmark's client calls it: a generous timeout, so a stuck request fails the run.
  const api = apiCaller(endpoints.apiUrl, { timeoutMs: 60_000 });
  const sku = await createBenchProduct(api, vendorToken);
  return {
    runtime,
    endpoints,
    api,
    ddb: new DynamoDBClient(localAws(endpoints.aws.dynamodb)),
    sfn: new SFNClient(localAws(endpoints.aws.stepFunctions)),
    stripe: new Stripe(stripe.apiKey, { host: stripe.host, port: stripe.port, protocol: stripe.protocol, maxNetworkRetries: 0 }),
    ordersTable: tableNamed(endpoints, 'OrdersTable'),
    catalogTable: tableNamed(endpoints, 'CatalogTable'),
    paymentsTable: tableNamed(endpoints, 'PaymentsTable'),
    idempotencyTable: tableNamed(endpoints, 'IdempotencyTable'),
    stateMachineArn,
    customerToken,
    sku,
  };
}

/** A product with one fresh SKU and BENCH_STOCK units, created by the demo vendor over the API; its SKU code. */
async function createBenchProduct(api: ApiCall, vendorToken: string): Promise<string> {
  const sku = `BENCH-${randomBytes(4).toString('hex').toUpperCase()}`;
  const created = await api('POST', '/vendor/products', vendorToken, {
    name: `Benchmark tumbler ${sku}`,
    description: 'Created by bench/checkout.ts',
    skus: [{ sku, name: 'One size', price: { amount: 2400, currency: 'EUR' }, initialStock: BENCH_STOCK }],
  });
  if (created.status !== 201) throw new Error(`Creating the benchmark product failed: ${created.status} ${JSON.stringify(created.body)}`);
  return sku;
}
