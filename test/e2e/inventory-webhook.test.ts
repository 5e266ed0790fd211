import { randomBytes } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { DynamoDbInventoryLedger } from '../../shared/adapters/dynamodb-inventory-ledger';
import { dynamoDbClient, tableNamed, testEndpoints } from '../support/endpoints';
import { type InventoryWebhookPayload, providerSecret, sendInventoryWebhook, type SignOptions } from '../support/inventory-provider';
import { type ProbeSku, stockedSkus } from '../support/order-builders';

type Json = Record<string, unknown>;

/**
 * POST /webhooks/inventory/{providerId} end to end. Requests Stockade cannot attribute to the provider (unsigned,
 * tampered, body-swapped, stale, from the future, signed with another provider's secret, for an unknown provider)
 * are refused with 4xx problem+json and change nothing; a signed event is answered 202 with its accepted and
 * quarantined counts, its good lines queued and applied by the inventory updates consumer (in eaches, through the
 * prefix mappings) and its bad lines recorded in quarantine.
 *
 * "Changes nothing" is shown against a positive control for the same SKU: a correctly signed update sent after the
 * refused one, through the same FIFO group. Once the control is applied, the SKU's inventory ledger must hold the
 * control alone and its stock must be the control's: the refused update carried a higher version, so it would have
 * won had it been queued.
 */
describe('inventory webhook, end to end', () => {
  const endpoints = testEndpoints();
  const dynamodb = dynamoDbClient(endpoints);
  const catalogTable = tableNamed(endpoints, 'CatalogTable');
  const catalog = new DynamoDbCatalogRepository(dynamodb, catalogTable);
  const ledger = new DynamoDbInventoryLedger(dynamodb, catalogTable);
  const STOCK = 10;

  afterAll(() => dynamodb.destroy());

  const newSkus = async (count = 1) => stockedSkus(catalog, { prefix: 'INVWH', count, stock: STOCK });
  const eventId = () => `evt-${randomBytes(8).toString('hex')}`;
  const payload = (updates: InventoryWebhookPayload['updates'], overrides: Partial<InventoryWebhookPayload> = {}): InventoryWebhookPayload => ({
    eventId: eventId(),
    occurredAt: new Date().toISOString(),
    updates,
    ...overrides,
  });

  const skuItem = async (sku: string): Promise<Json | undefined> => {
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: catalogTable, Key: { pk: { S: `SKU#${sku}` }, sk: { S: 'SKU' } }, ConsistentRead: true }),
    );
    return Item ? unmarshall(Item) : undefined;
  };
  const quarantineItem = async (providerId: string, event: InventoryWebhookPayload, externalSku: string): Promise<Json | undefined> => {
    const key = { pk: { S: `QUARANTINE#${providerId}` }, sk: { S: `${new Date(event.occurredAt).toISOString()}#${event.eventId}#${externalSku}` } };
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: catalogTable, Key: key, ConsistentRead: true }));
    return Item ? unmarshall(Item) : undefined;
  };

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Waits until the SKU's ledger has `count` entries, and returns them (newest first). */
  const ledgerOf = (sku: string, count: number) =>
    until(`${count} ledger entries for ${sku}`, async () => {
      const entries = await ledger.history(sku, 10);
      return entries.length >= count ? entries : undefined;
    });

  /**
   * Sends the positive control, a signed update of the SKU at a lower version than `refused` carried, and shows that
   * the refused update had no effect: once the control is applied, it is the SKU's only ledger entry and its stock.
   */
  async function onlyTheControlGetsThrough(sku: ProbeSku, refused: InventoryWebhookPayload): Promise<void> {
    expect(await skuItem(sku.sku)).toMatchObject({ onHand: STOCK });
    const control = payload([{ externalSku: `ACME:${sku.sku}`, quantity: 5, version: 1_000 }]);
    const response = await sendInventoryWebhook(endpoints, 'acme-warehouse', control);
    expect(response).toMatchObject({ status: 202, body: { accepted: 1, quarantined: 0 } });
    const entries = await ledgerOf(sku.sku, 1);
    expect(entries.map((e) => [e.eventId, e.outcome])).toEqual([[control.eventId, 'apply']]);
    expect(entries.map((e) => e.eventId)).not.toContain(refused.eventId);
    expect(await skuItem(sku.sku)).toMatchObject({ onHand: 5 });
    expect(await quarantineItem('acme-warehouse', refused, `ACME:${sku.sku}`)).toBeUndefined();
  }

  const nowSeconds = () => Math.floor(Date.now() / 1000);
  type Forgery = (event: InventoryWebhookPayload) => { providerId: string; body: InventoryWebhookPayload | string; options: SignOptions };
  const forgeries: Array<[string, number, Forgery]> = [
    ['unsigned', 401, (e) => ({ providerId: 'acme-warehouse', body: e, options: { unsigned: true } })],
    [
      'tampered (quantity changed after signing)',
      401,
      (e) => ({ providerId: 'acme-warehouse', body: e, options: { tamper: (raw) => raw.replace('"quantity":77', '"quantity":78') } }),
    ],
    ['tampered (one byte added after signing)', 401, (e) => ({ providerId: 'acme-warehouse', body: e, options: { tamper: true } })],
    [
      'body-swapped (the signature of another body)',
      401,
      (e) => ({ providerId: 'acme-warehouse', body: e, options: { tamper: () => JSON.stringify({ ...e, eventId: `${e.eventId}-swapped` }) } }),
    ],
    ['stale (signed 301 s ago)', 401, (e) => ({ providerId: 'acme-warehouse', body: e, options: { timestamp: nowSeconds() - 301 } })],
    // Well past the edge: the request's own travel time counts toward the server's clock, so +301 s may land within 300 s.
    ['from the future (signed 330 s ahead)', 401, (e) => ({ providerId: 'acme-warehouse', body: e, options: { timestamp: nowSeconds() + 330 } })],
    [
      "signed with another provider's secret",
      401,
      (e) => ({ providerId: 'acme-warehouse', body: e, options: { secret: providerSecret(endpoints, 'north-supply') } }),
    ],
    ['for an unknown provider', 404, (e) => ({ providerId: 'nobody-here', body: e, options: { secret: providerSecret(endpoints, 'acme-warehouse') } })],
  ];

  it.each(forgeries)(
    'refuses a request %s with %i problem+json, and nothing is queued or changed',
    async (_name, status, forge) => {
      const [sku] = (await newSkus()) as [ProbeSku];
      // A higher version than the control's: had it been queued, it would win over the control.
      const refused = payload([
        { externalSku: `ACME:${sku.sku}`, quantity: 77, version: 2_000 },
        { externalSku: 'ACME-NOT-MAPPED', quantity: 1 },
      ]);
      const { providerId, body, options } = forge(refused);

      const response = await sendInventoryWebhook(endpoints, providerId, body, options);

      expect(response.status).toBe(status);
      expect(response.contentType).toMatch(/^application\/problem\+json\b/);
      expect(response.body).toMatchObject({ status, type: expect.stringMatching(/^https:\/\/stockade\.dev\/problems\//) });
      expect(await quarantineItem('acme-warehouse', refused, 'ACME-NOT-MAPPED')).toBeUndefined();
      await onlyTheControlGetsThrough(sku, refused);
    },
    60_000,
  );

  it('refuses a signed body that breaks the schema with 400 problem+json naming the fields, and queues nothing', async () => {
    const [sku] = (await newSkus()) as [ProbeSku];
    const refused = payload([{ externalSku: `ACME:${sku.sku}`, quantity: 77, version: 2_000 }]);
    const invalid = JSON.stringify({ ...refused, updates: [...refused.updates, { externalSku: `ACME:${sku.sku}`, quantity: -1, delta: 3 }] });

    const response = await sendInventoryWebhook(endpoints, 'acme-warehouse', invalid);

    expect(response.status).toBe(400);
    expect(response.contentType).toMatch(/^application\/problem\+json\b/);
    expect((response.body.errors as Array<{ path: string }>).map((e) => e.path)).toEqual(expect.arrayContaining(['body.updates.1.quantity', 'body.updates.1']));
    await onlyTheControlGetsThrough(sku, refused);
  }, 60_000);

  it('accepts a signed event: prefix-mapped lines applied in eaches, unknown SKU and unit quarantined, a redelivery applied once', async () => {
    const [known, badUnit, other] = (await newSkus(3)) as [ProbeSku, ProbeSku, ProbeSku];
    const unmapped = `ACME-UNMAPPED-${randomBytes(3).toString('hex').toUpperCase()}`;
    const event = payload([
      { externalSku: `ACME:${known.sku}`, quantity: 2, unit: 'case' },
      { externalSku: unmapped, quantity: 4 },
      { externalSku: `ACME:${badUnit.sku}`, quantity: 1, unit: 'pallet' },
    ]);

    const response = await sendInventoryWebhook(endpoints, 'acme-warehouse', event);
    expect(response).toMatchObject({ status: 202, body: { accepted: 1, quarantined: 2 } });
    expect(response.contentType).toMatch(/^application\/json\b/);
    // A redelivery (the provider did not see our answer) is answered the same and queues nothing new.
    expect(await sendInventoryWebhook(endpoints, 'acme-warehouse', event)).toMatchObject({ status: 202, body: { accepted: 1, quarantined: 2 } });
    // north-supply's NS: prefix, in its own unit (box = 6).
    const ns = payload([{ externalSku: `NS:${other.sku}`, quantity: 3, unit: 'box' }]);
    expect(await sendInventoryWebhook(endpoints, 'north-supply', ns)).toMatchObject({ status: 202, body: { accepted: 1, quarantined: 0 } });

    expect(await quarantineItem('acme-warehouse', event, unmapped)).toMatchObject({
      entity: 'inventory-quarantine',
      reason: 'unknown-sku',
      eventId: event.eventId,
      quantity: 4,
      providerId: 'acme-warehouse',
    });
    expect(await quarantineItem('acme-warehouse', event, `ACME:${badUnit.sku}`)).toMatchObject({ reason: 'unknown-unit:pallet', unit: 'pallet', quantity: 1 });
    expect(await quarantineItem('acme-warehouse', event, `ACME:${known.sku}`)).toBeUndefined();

    const [applied] = await ledgerOf(known.sku, 1);
    expect(applied).toMatchObject({
      providerId: 'acme-warehouse',
      eventId: event.eventId,
      externalSku: `ACME:${known.sku}`,
      version: Date.parse(event.occurredAt),
      outcome: 'apply',
      after: 24,
    });
    const [fromNorth] = await ledgerOf(other.sku, 1);
    expect(fromNorth).toMatchObject({ providerId: 'north-supply', eventId: ns.eventId, externalSku: `NS:${other.sku}`, outcome: 'apply', after: 18 });
    expect(await skuItem(known.sku)).toMatchObject({ onHand: 24, available: 24 });
    expect(await skuItem(other.sku)).toMatchObject({ onHand: 18 });
    // The redelivery is in the same FIFO group, behind the first delivery: once it would have been applied, the
    // ledger still holds one entry for the line.
    const barrier = payload([{ externalSku: `ACME:${known.sku}`, quantity: 1, version: Date.parse(event.occurredAt) + 1 }]);
    expect(await sendInventoryWebhook(endpoints, 'acme-warehouse', barrier)).toMatchObject({ status: 202 });
    expect((await ledgerOf(known.sku, 2)).map((e) => e.eventId)).toEqual([barrier.eventId, event.eventId]);
    expect(await ledger.history(badUnit.sku, 10)).toEqual([]);
    expect(await skuItem(badUnit.sku)).toMatchObject({ onHand: STOCK });
  }, 60_000);
});
