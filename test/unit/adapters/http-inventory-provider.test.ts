import { randomBytes } from 'node:crypto';
import { HttpInventoryProvider, ProviderHttpError } from '../../../shared/adapters/http-inventory-provider';
import { serializeInventoryHmacSecret } from '../../../shared/domain/inventory/hmac-secrets';
import { InventoryProviderStandIn } from '../../../local/partners/inventory-provider/inventory-provider-stand-in';
import { saleNotice } from '../../support/inventory-fakes';

/**
 * The HTTP adapter against the provider stand-in (its own instance, in this process): notices are signed so the
 * provider verifies them and records each once; snapshot pages follow the cursor; a refusal or an unreachable
 * provider is an error; the caller's signal aborts a request.
 */
describe('HttpInventoryProvider against the provider stand-in', () => {
  const secret = serializeInventoryHmacSecret({ current: randomBytes(32).toString('hex') });
  const standIn = new InventoryProviderStandIn({ secretValue: (id) => (id === 'acme' ? secret : undefined), graceHours: 24 });
  const control = (path: string, method: string, body?: unknown) =>
    fetch(`${standIn.url}/_stand-in/acme/${path}`, {
      method,
      ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    }).then((r) => r.json() as Promise<Record<string, unknown>>);
  const provider = (value = secret, pageLimit = 2) => new HttpInventoryProvider('acme', `${standIn.url}/acme/`, async () => value, { pageLimit });

  beforeAll(async () => {
    await standIn.start();
    standIn.configure({ providers: ['acme'] });
  });
  afterAll(() => standIn.stop());
  beforeEach(() => control('reset', 'POST'));

  it('POSTs the notice signed with the current secret; the provider records it once and counts a repeat as a duplicate', async () => {
    const notice = saleNotice('acme', '01JORDER', new Date().toISOString(), [{ sku: 'MUG-SLATE', quantity: 2 }]);
    await provider().notify(notice);
    await provider().notify(notice);
    const sales = standIn.sales('acme');
    expect(sales.notifications.map((n) => n.notification)).toEqual([notice]);
    expect(sales).toMatchObject({ duplicates: 1, rejected: 0 });
  });

  it('a notice signed with another secret is refused (401) and not recorded', async () => {
    const wrong = serializeInventoryHmacSecret({ current: randomBytes(32).toString('hex') });
    const error = await provider(wrong)
      .notify(saleNotice('acme', '01JOTHER', new Date().toISOString()))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderHttpError);
    expect(error).toMatchObject({ status: 401, message: 'Inventory provider acme answered 401 to POST sales' });
    expect(standIn.sales('acme')).toMatchObject({ notifications: [], rejected: 1 });
  });

  it('reads the snapshot page by page (signed GET stock?cursor=&limit=)', async () => {
    const lines = [
      { externalSku: 'ACME-10001', quantity: 3 },
      { externalSku: 'ACME-CANDLE-CASE', quantity: 1, unit: 'case' },
      { externalSku: 'ACME-20001', quantity: 9, version: 7 },
    ];
    const { takenAt } = await control('stock', 'PUT', { lines });
    const first = await provider().snapshot(undefined);
    expect(first).toEqual({ lines: lines.slice(0, 2), nextCursor: '2', takenAt });
    expect(await provider().snapshot(first.nextCursor)).toEqual({ lines: lines.slice(2), takenAt });
  });

  it('failing (500), down (no answer) and slow (aborted by the caller) are errors', async () => {
    const notice = saleNotice('acme', '01JDOWN', new Date().toISOString());
    await control('mode', 'POST', { mode: 'failing' });
    await expect(provider().notify(notice)).rejects.toMatchObject({ status: 500 });
    await control('mode', 'POST', { mode: 'down' });
    await expect(provider().notify(notice)).rejects.toThrow();
    await control('mode', 'POST', { mode: 'slow', delayMs: 2_000 });
    const started = Date.now();
    await expect(provider().snapshot(undefined, AbortSignal.timeout(100))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(standIn.sales('acme').notifications).toEqual([]);
  });
});
