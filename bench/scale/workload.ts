import { randomBytes } from 'node:crypto';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import Stripe from 'stripe';
import { apiCaller } from '../../local/clients/api-client';
import { signInWithPassword } from '../../local/clients/sign-in';
import { demoPassword, signUpCustomer } from '../../local/demo/demo-users';
import type { LocalRuntime } from '../../local/runtime/local-runtime';
import { pool } from '../lib/concurrency';
import type { CartLine, Storefront } from '../lib/paid-order';
import { log } from '../lib/progress';
import { cognitoOf, localAws, signInDemoUsers, tableNamed } from '../lib/runtime-clients';
import type { ScaleOptions } from './options';
import { randomIndex, seededRandom, Zipf } from './zipf';

/** The largest product batch body the benchmark sends (the dev stage's web ACL blocks bodies over 16 KB). */
const MAX_BODY_BYTES = 15_000;

/** Stock of every catalog SKU: far more than a run sells. */
export const SKU_STOCK = 100_000;

/** The seeded shop: a catalog with Zipf popularity, signed-in customers, and what a storefront calls. */
export interface ScaleContext extends Storefront {
  readonly runtime: LocalRuntime;
  readonly catalogTable: string;
  /** SKU codes by popularity rank (0: the most popular). */
  readonly skusByRank: readonly string[];
  readonly products: number;
  /** Access tokens of the customers orders are spread over. */
  readonly customers: readonly string[];
  /** Draws an order: its customer (an index into customers) and its cart of 1–4 distinct SKUs, one unit each. */
  readonly nextOrder: () => { customer: number; items: CartLine[] };
}

/** Seeds the catalog and customers on `runtime`, runs `use` and closes the clients afterwards. */
export async function withScaleContext(runtime: LocalRuntime, opts: ScaleOptions, use: (ctx: ScaleContext) => Promise<void>): Promise<void> {
  const { endpoints } = runtime;
  const { stripe } = endpoints;
  if (!stripe) throw new Error('The local runtime has no Stripe stand-in');
  const random = seededRandom(opts.seed);
  const api = apiCaller(endpoints.apiUrl, { timeoutMs: 60_000 });
  const vendors = await signInDemoUsers(endpoints, ['vendor', 'vendor2']);
  const { skus, products } = await seedCatalog(api, [vendors.vendor, vendors.vendor2], opts.skus, random);
  const skusByRank = shuffled(skus, random);
  const customers = await signUpCustomers(runtime, opts.customers);
  const zipf = new Zipf(skusByRank.length, opts.zipfHundredths / 100, random);
  // Watches orders on DynamoDB Local itself, so the benchmark's own polling is not counted as the system's reads.
  const ddb = new DynamoDBClient(localAws(runtime.services.dynamodb.directEndpoint));
  const ctx: ScaleContext = {
    runtime,
    api,
    stripe: new Stripe(stripe.apiKey, { host: stripe.host, port: stripe.port, protocol: stripe.protocol, maxNetworkRetries: 0 }),
    ddb,
    ordersTable: tableNamed(endpoints, 'OrdersTable'),
    catalogTable: tableNamed(endpoints, 'CatalogTable'),
    skusByRank,
    products,
    customers,
    nextOrder: () => ({
      customer: randomIndex(random, customers.length),
      items: zipf.distinct(1 + randomIndex(random, 4)).map((rank) => ({ sku: skusByRank[rank] as string, quantity: 1 })),
    }),
  };
  try {
    await use(ctx);
  } finally {
    ddb.destroy();
  }
}

/**
 * At least `skuCount` SKUs over products of 1 to 4 SKUs each (sizes, colours), created through POST
 * /vendor/products/batch, as many products a call as fit, alternately by the demo vendors.
 */
async function seedCatalog(api: ScaleContext['api'], vendorTokens: readonly string[], skuCount: number, random: () => number) {
  const tag = randomBytes(3).toString('hex').toUpperCase();
  const products: Array<{ name: string; description: string; skus: Array<Record<string, unknown>> }> = [];
  const skus: string[] = [];
  for (let p = 0; skus.length < skuCount; p++) {
    const variants = 1 + randomIndex(random, 4);
    const price = { amount: 500 + 100 * randomIndex(random, 95), currency: 'EUR' };
    const productSkus = Array.from({ length: variants }, (_, v) => ({ sku: `SC-${tag}-${p}-${v}`, name: `Variant ${v + 1}`, price, initialStock: SKU_STOCK }));
    skus.push(...productSkus.map((s) => s.sku));
    products.push({ name: `Scale product ${p}`, description: 'Created by bench/scale.ts', skus: productSkus });
  }
  log(`Seeding ${skus.length} SKUs over ${products.length} products (POST /vendor/products/batch)...`);
  let calls = 0;
  for (let i = 0; i < products.length; calls++) {
    // At most 100 products a call, and a body under the 16 KB the web ACL's size rule inspects (it blocks beyond).
    let n = 0;
    while (i + n < products.length && n < 100 && JSON.stringify({ products: products.slice(i, i + n + 1) }).length <= MAX_BODY_BYTES) n++;
    const token = vendorTokens[calls % vendorTokens.length] as string;
    const answer = await api('POST', '/vendor/products/batch', token, { products: products.slice(i, i + n) });
    const results = (answer.body.results ?? []) as Array<{ error?: { detail?: string } }>;
    const refused = results.filter((r) => r.error);
    if (answer.status !== 200 || refused.length > 0)
      throw new Error(`Seeding products failed: ${answer.status} ${refused[0]?.error?.detail ?? JSON.stringify(answer.body).slice(0, 200)}`);
    i += n;
  }
  return { skus, products: products.length };
}

/** `count` customers signed up and confirmed (the post-confirmation trigger makes them customers), then signed in. */
async function signUpCustomers(runtime: LocalRuntime, count: number): Promise<string[]> {
  const { cognito } = cognitoOf(runtime.endpoints);
  const client = new CognitoIdentityProviderClient({ ...localAws(cognito.endpoint), maxAttempts: 1 });
  const tag = randomBytes(3).toString('hex');
  const tokens: string[] = new Array<string>(count);
  log(`Signing up ${count} customers...`);
  try {
    await pool(count, 4, async (i) => {
      const user = { username: `scale-${tag}-${i}@stockade.test`, password: demoPassword() };
      await signUpCustomer(client, cognito, user);
      tokens[i] = (await signInWithPassword(client, cognito.clientId, user)).AccessToken;
    });
  } finally {
    client.destroy();
  }
  return tokens;
}

/** A copy of `items` in a seeded random order (Fisher–Yates). */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomIndex(random, i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
