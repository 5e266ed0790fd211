import { randomBytes } from 'node:crypto';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { onboardPrivilegedUser } from '../../local/demo/demo-users';
import { DynamoDbInventoryLedger } from '../../shared/adapters/dynamodb-inventory-ledger';
import { apiCaller } from '../support/api';
import { auditUntil } from '../support/audit-pages';
import { testEndpoints } from '../support/endpoints';
import { cognitoClient, signIn } from '../support/identity';
import { runtimeStores } from '../support/runtime-stores';

type Json = Record<string, unknown>;

/** POST /vendor/products/{productId}/stock over HTTP: own SKUs only, never below reserved, in the ledger, audited. */
describe('stock adjustment by a vendor, end to end', () => {
  const endpoints = testEndpoints();
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const { dynamodb, tableName, stock } = runtimeStores(endpoints);
  const ledger = new DynamoDbInventoryLedger(dynamodb, tableName('CatalogTable'));
  const call = apiCaller(endpoints.apiUrl);
  const tag = randomBytes(3).toString('hex').toUpperCase();
  const tokens = { vendorA: '', vendorB: '', customer: '', admin: '' };
  let productId = '';
  const sku = `STOCK-${tag}-1`;
  const fedSku = `STOCK-${tag}-2`;

  /** Sets SKU counters or attributes directly, as a checkout's reservation or a provider's update would have. */
  const setSku = (code: string, expression: string, values: Record<string, { N: string } | { S: string }>) =>
    dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName('CatalogTable'),
        Key: { pk: { S: `SKU#${code}` }, sk: { S: 'SKU' } },
        UpdateExpression: expression,
        ExpressionAttributeValues: values,
      }),
    );

  beforeAll(async () => {
    const client = cognitoClient();
    const pool = endpoints.cognito as NonNullable<typeof endpoints.cognito>;
    tokens.vendorA = await signIn(client, await onboardPrivilegedUser(client, pool, 'vendor', `stock-a-${tag.toLowerCase()}@stockade.test`));
    tokens.vendorB = await signIn(client, await onboardPrivilegedUser(client, pool, 'vendor', `stock-b-${tag.toLowerCase()}@stockade.test`));
    tokens.customer = await signIn(client, users.customer);
    tokens.admin = await signIn(client, users.admin);
    client.destroy();
    const created = await call('POST', '/vendor/products', tokens.vendorA, {
      name: `Stock ${tag}`,
      skus: [
        { sku, name: 'One', price: { amount: 1000, currency: 'EUR' }, initialStock: 10 },
        { sku: fedSku, name: 'Two', price: { amount: 1000, currency: 'EUR' }, initialStock: 10 },
      ],
    });
    expect(created.status).toBe(201);
    productId = String(created.body.productId);
    await setSku(sku, 'SET reserved = :r, available = onHand - :r', { ':r': { N: '4' } });
    await setSku(fedSku, 'SET stockSource = :p, stockSourcePriority = :priority', { ':p': { S: 'warehouse-e2e' }, ':priority': { N: '5' } });
  });
  afterAll(() => dynamodb.destroy());

  const adjust = (body: unknown, token = tokens.vendorA, id = productId) => call('POST', `/vendor/products/${id}/stock`, token, body);
  const availableOf = (product: Json, code: string) => (product.skus as Json[]).find((s) => s.sku === code)?.available;

  it('changes and sets the vendor\u2019s own stock, answering the product, recorded in the ledger and audited', async () => {
    const added = await adjust({ sku, delta: 5, reason: 'restock from supplier' });
    expect(added.status).toBe(200);
    expect(availableOf(added.body, sku)).toBe(11);
    const set = await adjust({ sku, onHand: 8, reason: 'stock count' });
    expect(set.status).toBe(200);
    expect(availableOf(set.body, sku)).toBe(4);
    expect(await stock(sku)).toEqual({ onHand: 8, reserved: 4, available: 4 });
    expect((await ledger.history(sku, 10)).map((e) => [e.providerId, e.outcome, e.before, e.after, e.reason])).toEqual([
      ['@vendor', 'apply', 15, 8, 'stock count'],
      ['@vendor', 'apply', 10, 15, 'restock from supplier'],
    ]);
    const audit = await auditUntil(call, tokens.admin, (read) => read.filter((e) => e.target === `sku:${sku}`).length >= 2);
    const ours = audit.filter((e) => e.target === `sku:${sku}`);
    expect(ours.map((e) => [e.action, e.outcome, e.detail])).toEqual([
      ['stock.adjust', 'succeeded', 'onHand set to 8: stock count (15 -> 8)'],
      ['stock.adjust', 'succeeded', 'onHand +5: restock from supplier (10 -> 15)'],
    ]);
  });

  it('never goes below what is reserved (409), audited as denied', async () => {
    const below = await adjust({ sku, onHand: 3, reason: 'stock count' });
    expect(below.status).toBe(409);
    expect(below.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await adjust({ sku, delta: -5, reason: 'breakage' })).status).toBe(409);
    expect((await stock(sku)).onHand).toBe(8);
    const denied = (read: readonly Json[]) => read.filter((e) => e.target === `sku:${sku}` && e.outcome === 'denied');
    expect(denied(await auditUntil(call, tokens.admin, (read) => denied(read).length >= 2))).toHaveLength(2);
  });

  it('leaves a SKU an inventory provider feeds to that provider (409)', async () => {
    const fed = await adjust({ sku: fedSku, onHand: 50, reason: 'count' });
    expect(fed.status).toBe(409);
    expect((await stock(fedSku)).onHand).toBe(10);
  });

  it('never lets vendor B see or touch vendor A\u2019s stock (404)', async () => {
    const other = await adjust({ sku, delta: 1, reason: 'not mine' }, tokens.vendorB);
    expect(other.status).toBe(404);
    expect(JSON.stringify(other.body)).not.toContain('"available"');
    expect((await adjust({ sku: `NOPE-${tag}`, delta: 1, reason: 'typo' })).status).toBe(404);
    expect((await adjust({ sku, delta: 1, reason: 'gone' }, tokens.vendorA, '01HZZZZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
    expect((await stock(sku)).onHand).toBe(8);
  });

  it.each([
    ['both onHand and delta', { sku, onHand: 5, delta: 1, reason: 'both' }],
    ['neither onHand nor delta', { sku, reason: 'none' }],
    ['a zero delta', { sku, delta: 0, reason: 'nothing' }],
    ['a negative onHand', { sku, onHand: -1, reason: 'negative' }],
    ['a fractional delta', { sku, delta: 1.5, reason: 'half' }],
    ['no reason', { sku, delta: 1 }],
    ['an unknown field', { sku, delta: 1, reason: 'extra', providerId: 'warehouse' }],
  ])('refuses %s with 400 problem+json', async (_what, body) => {
    const response = await adjust(body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('is for vendors only', async () => {
    expect((await adjust({ sku, delta: 1, reason: 'customer' }, tokens.customer)).status).toBe(403);
    expect((await call('POST', `/vendor/products/${productId}/stock`, undefined, { sku, delta: 1, reason: 'anonymous' })).status).toBe(401);
  });
});
