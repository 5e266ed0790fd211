import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InventoryProviderStandIn } from '../../local/partners/inventory-provider/inventory-provider-stand-in';
import type { Endpoints } from '../../local/runtime/local-runtime';
import { verifyInventorySignature } from '../../shared/domain/inventory/webhook-signature';
import type { StockNotification } from '../../shared/ports/inventory';
import { testEndpoints } from '../support/endpoints';
import { until } from '../support/until';
import {
  callProvider,
  providerSales,
  type ProviderStockLine,
  pushFromProvider,
  resetProvider,
  setProviderMode,
  setProviderStock,
  standInUrl,
} from '../support/inventory-provider';

const hex = () => randomBytes(32).toString('hex');
const HOUR = 3_600_000;

/**
 * The inventory provider stand-in, started here on its own (so modes and resets cannot disturb tests that use the
 * runtime's), driven through its HTTP contract: signed sales and stock calls, modes, paging and the control API;
 * pushes go to a receiver here that verifies them as Stockade's webhook does. The last block checks the instance
 * inside the runtime: where endpoints.json says, signing with the runtime's secrets, pushing to the real webhook.
 */
describe('inventory provider stand-in', () => {
  const secrets: Record<string, string> = {
    'acme-warehouse': JSON.stringify({ current: hex() }),
    'north-supply': JSON.stringify({ current: hex() }),
  };
  const current = (id: string) => (JSON.parse(secrets[id] as string) as { current: string }).current;
  const standIn = new InventoryProviderStandIn({ secretValue: (id) => secrets[id], graceHours: 24 });
  const pushes: Array<{ path: string; body: string; verified: boolean }> = [];
  const receiver: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = true;
      try {
        const id = (req.url ?? '').split('/').pop() as string;
        verifyInventorySignature({
          rawBody: body,
          timestamp: req.headers['x-stockade-timestamp'] as string,
          signature: req.headers['x-stockade-signature'] as string,
          secrets: [current(id)],
          now: new Date(),
        });
      } catch {
        verified = false;
      }
      pushes.push({ path: req.url ?? '', body, verified });
      res
        .writeHead(verified ? 202 : 401, { 'content-type': 'application/json' })
        .end(JSON.stringify(verified ? { accepted: 1, quarantined: 0 } : { status: 401 }));
    });
  });
  /** endpoints.json as the runtime would write it for this instance. */
  let endpoints: Endpoints;

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    await standIn.start();
    standIn.configure({ providers: Object.keys(secrets), apiUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}` });
    endpoints = {
      ...testEndpoints(),
      inventoryStandIn: { url: standIn.url },
      inventoryProviders: Object.fromEntries(Object.keys(secrets).map((id) => [id, { secret: current(id) }])),
    };
  });
  afterAll(async () => {
    await standIn.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });
  afterEach(async () => {
    for (const id of Object.keys(secrets)) await resetProvider(endpoints, id);
  });

  const notification = (overrides: Partial<StockNotification> = {}): StockNotification => ({
    notificationId: `ntf-${randomBytes(6).toString('hex')}`,
    providerId: 'acme-warehouse',
    kind: 'sale',
    orderId: `order-${randomBytes(4).toString('hex')}`,
    lines: [{ sku: 'MUG-SLATE', quantity: 2 }],
    at: new Date().toISOString(),
    ...overrides,
  });

  describe('POST /<providerId>/sales', () => {
    it('records a signed notification once per notificationId and counts the duplicates', async () => {
      const n = notification();
      expect(await callProvider(endpoints, 'acme-warehouse', 'POST', 'sales', n)).toMatchObject({ status: 200, body: { received: true, duplicate: false } });
      expect(await callProvider(endpoints, 'acme-warehouse', 'POST', 'sales', n)).toMatchObject({ status: 200, body: { received: true, duplicate: true } });
      const sales = await providerSales(endpoints, 'acme-warehouse');
      expect(sales).toEqual({ notifications: [{ notification: n, receivedAt: expect.any(String), deliveries: 2 }], duplicates: 1, rejected: 0 });
      expect((await providerSales(endpoints, 'north-supply')).notifications).toEqual([]);
    });

    // Options are made when the test runs: a timestamp taken when the table is defined would age by the time it is used.
    it.each<[string, () => Parameters<typeof callProvider>[5]]>([
      ['unsigned', () => ({ unsigned: true })],
      ['tampered after signing', () => ({ tamper: (raw) => raw.replace('"quantity":2', '"quantity":3') })],
      ['stale (301 s old)', () => ({ timestamp: Math.floor(Date.now() / 1000) - 301 })],
      // Past the edge by more than a slow request's travel time, which brings the server's clock closer to it.
      ['from the future (330 s ahead)', () => ({ timestamp: Math.floor(Date.now() / 1000) + 330 })],
      ["signed with another provider's secret", () => ({ secret: current('north-supply') })],
    ])('refuses a notification %s with 401 and records nothing', async (_name, options) => {
      const response = await callProvider(endpoints, 'acme-warehouse', 'POST', 'sales', notification(), options());
      expect(response.status).toBe(401);
      expect(await providerSales(endpoints, 'acme-warehouse')).toEqual({ notifications: [], duplicates: 0, rejected: 1 });
    });

    it('accepts the previous secret within the grace period after a rotation, and not after it', async () => {
      const old = current('north-supply');
      const rotated = (hoursAgo: number) => JSON.stringify({ current: hex(), previous: old, rotatedAt: new Date(Date.now() - hoursAgo * HOUR).toISOString() });
      const saved = secrets['north-supply'] as string;
      try {
        secrets['north-supply'] = rotated(23);
        expect((await callProvider(endpoints, 'north-supply', 'POST', 'sales', notification({ providerId: 'north-supply' }), { secret: old })).status).toBe(
          200,
        );
        secrets['north-supply'] = rotated(25);
        expect((await callProvider(endpoints, 'north-supply', 'POST', 'sales', notification({ providerId: 'north-supply' }), { secret: old })).status).toBe(
          401,
        );
      } finally {
        secrets['north-supply'] = saved;
      }
    });

    it('refuses what is not a StockNotification for this provider with 400', async () => {
      expect((await callProvider(endpoints, 'acme-warehouse', 'POST', 'sales', { hello: 'world' })).status).toBe(400);
      expect((await callProvider(endpoints, 'acme-warehouse', 'POST', 'sales', notification({ providerId: 'north-supply' }))).status).toBe(400);
      expect(await providerSales(endpoints, 'acme-warehouse')).toMatchObject({ notifications: [], rejected: 2 });
    });

    it('answers 404 for a provider the stage does not have', async () => {
      const response = await fetch(`${standInUrl(endpoints)}/nobody-here/sales`, { method: 'POST', body: '{}' });
      expect(response.status).toBe(404);
    });
  });

  describe('GET /<providerId>/stock', () => {
    const lines: ProviderStockLine[] = Array.from({ length: 250 }, (_, i) => ({
      externalSku: `ACME:PAGED-${i}`,
      quantity: i,
      ...(i % 2 ? { unit: 'case' } : {}),
      ...(i % 3 ? {} : { version: i }),
    }));

    it('pages the snapshot, 100 lines by default, every page with the same takenAt', async () => {
      const { takenAt } = await setProviderStock(endpoints, 'acme-warehouse', lines);
      const pages: Array<Record<string, unknown>> = [];
      let cursor: string | undefined;
      do {
        const response = await callProvider(endpoints, 'acme-warehouse', 'GET', `stock${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(response.status).toBe(200);
        pages.push(response.body);
        cursor = response.body.nextCursor as string | undefined;
      } while (cursor);
      expect(pages.map((p) => (p.lines as unknown[]).length)).toEqual([100, 100, 50]);
      expect(pages.flatMap((p) => p.lines as ProviderStockLine[])).toEqual(lines);
      expect(pages.map((p) => p.takenAt)).toEqual([takenAt, takenAt, takenAt]);
      expect(pages[2]).not.toHaveProperty('nextCursor');
    });

    it('takes a limit (1..1000), refuses a cursor it did not issue, and serves an empty snapshot', async () => {
      await setProviderStock(endpoints, 'acme-warehouse', lines);
      const first = await callProvider(endpoints, 'acme-warehouse', 'GET', 'stock?limit=7');
      expect((first.body.lines as unknown[]).length).toBe(7);
      const second = await callProvider(endpoints, 'acme-warehouse', 'GET', `stock?limit=7&cursor=${String(first.body.nextCursor)}`);
      expect(second.body.lines).toEqual(lines.slice(7, 14));
      expect((await callProvider(endpoints, 'acme-warehouse', 'GET', 'stock?limit=1000')).body).not.toHaveProperty('nextCursor');
      for (const query of ['limit=0', 'limit=1001', 'limit=ten', 'cursor=abc', 'cursor=-1', 'other=1']) {
        expect({ query, status: (await callProvider(endpoints, 'acme-warehouse', 'GET', `stock?${query}`)).status }).toEqual({ query, status: 400 });
      }
      expect((await callProvider(endpoints, 'north-supply', 'GET', 'stock')).body).toEqual({ lines: [], takenAt: expect.any(String) });
    });

    it('is signed over an empty body like any call: unsigned or wrongly signed is 401', async () => {
      expect((await callProvider(endpoints, 'acme-warehouse', 'GET', 'stock', undefined, { unsigned: true })).status).toBe(401);
      expect((await callProvider(endpoints, 'acme-warehouse', 'GET', 'stock', undefined, { secret: current('north-supply') })).status).toBe(401);
    });
  });

  describe('modes', () => {
    it('down drops the connection unanswered, for that provider only', async () => {
      await setProviderMode(endpoints, 'acme-warehouse', 'down');
      await expect(callProvider(endpoints, 'acme-warehouse', 'POST', 'sales', notification())).rejects.toThrow(/fetch failed/);
      await expect(callProvider(endpoints, 'acme-warehouse', 'GET', 'stock')).rejects.toThrow(/fetch failed/);
      expect((await callProvider(endpoints, 'north-supply', 'GET', 'stock')).status).toBe(200);
      expect((await providerSales(endpoints, 'acme-warehouse')).notifications).toEqual([]);
    });

    it('slow answers after delayMs, and then as usual', async () => {
      await setProviderMode(endpoints, 'acme-warehouse', 'slow', 2_000);
      const started = Date.now();
      const slow = callProvider(endpoints, 'acme-warehouse', 'POST', 'sales', notification());
      // Another provider answers at once meanwhile.
      expect((await callProvider(endpoints, 'north-supply', 'GET', 'stock')).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await slow).toMatchObject({ status: 200, body: { received: true, duplicate: false } });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_990);
    });

    it('slow lets a caller with a shorter timeout give up', async () => {
      await setProviderMode(endpoints, 'acme-warehouse', 'slow', 3_000);
      const started = Date.now();
      const call = fetch(`${standInUrl(endpoints)}/acme-warehouse/stock`, { signal: AbortSignal.timeout(300) });
      await expect(call).rejects.toThrow(/aborted|timeout/i);
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('failing answers 500 and records nothing; up again answers normally', async () => {
      await setProviderMode(endpoints, 'acme-warehouse', 'failing');
      const n = notification();
      expect((await callProvider(endpoints, 'acme-warehouse', 'POST', 'sales', n)).status).toBe(500);
      expect((await callProvider(endpoints, 'acme-warehouse', 'GET', 'stock')).status).toBe(500);
      expect((await providerSales(endpoints, 'acme-warehouse')).notifications).toEqual([]);
      await setProviderMode(endpoints, 'acme-warehouse', 'up');
      expect((await callProvider(endpoints, 'acme-warehouse', 'POST', 'sales', n)).body).toEqual({ received: true, duplicate: false });
    });

    it('the control API refuses an unknown mode', async () => {
      await expect(setProviderMode(endpoints, 'acme-warehouse', 'sideways' as 'up')).rejects.toThrow(
        /answered POST \/_stand-in\/acme-warehouse\/mode with 400/,
      );
    });
  });

  describe('push', () => {
    it("signs a stock webhook with the provider's current secret and answers what the API answered", async () => {
      const result = await pushFromProvider(endpoints, 'north-supply', {
        externalSku: 'NS:BOARD-OAK-M',
        quantity: 4,
        unit: 'box',
        version: 9,
        eventId: 'evt-push-1',
        occurredAt: '2026-03-02T11:59:00.000Z',
      });
      expect(result).toEqual({ status: 202, body: { accepted: 1, quarantined: 0 } });
      const pushed = pushes.at(-1);
      expect(pushed).toMatchObject({ path: '/webhooks/inventory/north-supply', verified: true });
      expect(JSON.parse(pushed?.body as string)).toEqual({
        eventId: 'evt-push-1',
        occurredAt: '2026-03-02T11:59:00.000Z',
        updates: [{ externalSku: 'NS:BOARD-OAK-M', quantity: 4, unit: 'box', version: 9 }],
      });
    });

    it('makes up an event id and time when not given, a new id each time', async () => {
      await pushFromProvider(endpoints, 'acme-warehouse', { externalSku: 'ACME-10001', quantity: 1 });
      await pushFromProvider(endpoints, 'acme-warehouse', { externalSku: 'ACME-10001', quantity: 1 });
      const [a, b] = pushes.slice(-2).map((p) => JSON.parse(p.body) as { eventId: string; occurredAt: string });
      expect(a?.eventId).not.toBe(b?.eventId);
      expect(Date.parse(b?.occurredAt as string)).toBeGreaterThan(Date.now() - 60_000);
    });
  });

  describe('inside the local runtime', () => {
    const runtime = testEndpoints();

    it('listens where endpoints.json says, as every provider of the stage, signing with the runtime secrets', async () => {
      expect(runtime.inventoryStandIn?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      for (const id of Object.keys(runtime.inventoryProviders).sort()) {
        // The outbound e2e suite takes north-supply down for a while in this shared stand-in: wait for it to answer.
        const answered = () =>
          callProvider(runtime, id, 'GET', 'stock?limit=1').then(
            (r) => (r.status === 200 ? r : undefined),
            () => undefined,
          );
        const response = await until(`${id} answering`, answered, 90_000, 500);
        expect({ id, status: response.status, takenAt: typeof response.body.takenAt }).toEqual({ id, status: 200, takenAt: 'string' });
        expect((await callProvider(runtime, id, 'GET', 'stock', undefined, { secret: hex() })).status).toBe(401);
      }
      expect(Object.keys(runtime.inventoryProviders).sort()).toEqual(['acme-warehouse', 'north-supply']);
    }, 120_000);

    it("pushes to the runtime's own inventory webhook, which verifies and accepts it", async () => {
      // north-supply: no other test rotates its secret, so the webhook's cached copy is never behind the stand-in's.
      const accepted = await pushFromProvider(runtime, 'north-supply', { externalSku: 'NS-BOARD-M', quantity: 2, unit: 'box' });
      expect(accepted).toEqual({ status: 202, body: { accepted: 1, quarantined: 0 } });
      const quarantined = await pushFromProvider(runtime, 'north-supply', { externalSku: `NS-NOT-MAPPED-${randomBytes(3).toString('hex')}`, quantity: 2 });
      expect(quarantined).toEqual({ status: 202, body: { accepted: 0, quarantined: 1 } });
    });
  });
});
