import { randomBytes } from 'node:crypto';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import Stripe from 'stripe';
import { apiCaller } from '../../local/clients/api-client';
import type { DemoUsers } from '../../local/demo/demo-users';
import { signInWithPassword } from '../../local/clients/sign-in';
import { LOCAL_REGION } from '../../local/runtime/intrinsics';
import type { Endpoints, LocalRuntime } from '../../local/runtime/local-runtime';
import { localCredentials } from '../../local/aws/credentials';
import { log } from '../lib/progress';

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

/** SDK client settings for a service of the local runtime. */
export const localAws = (endpoint: string) => ({ endpoint, region: LOCAL_REGION, credentials: localCredentials });

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
  const { cognito, users, stripe } = endpoints;
  if (!cognito || !users || !stripe || !stateMachineArn) throw new Error('The local runtime has no Cognito, demo users, Stripe stand-in or state machine');
  const { customerToken, vendorToken } = await signInDemoUsers(cognito, users);
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

/** The physical name of the template's table whose logical id starts with `prefix`. */
function tableNamed(endpoints: Endpoints, prefix: string): string {
  const entry = Object.entries(endpoints.tables).find(([logicalId]) => logicalId.startsWith(prefix));
  if (!entry) throw new Error(`No ${prefix} table in the template`);
  return entry[1];
}

/** Access tokens of the demo customer and vendor, signed in as a storefront does. */
async function signInDemoUsers(cognito: NonNullable<Endpoints['cognito']>, users: DemoUsers): Promise<{ customerToken: string; vendorToken: string }> {
  const client = new CognitoIdentityProviderClient({ ...localAws(cognito.endpoint), maxAttempts: 1 });
  try {
    const customerToken = (await signInWithPassword(client, cognito.clientId, users.customer)).AccessToken;
    const vendorToken = (await signInWithPassword(client, cognito.clientId, users.vendor)).AccessToken;
    return { customerToken, vendorToken };
  } finally {
    client.destroy();
  }
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
