import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { NotFoundError, UnauthorizedError, ValidationError } from '../../../shared/domain/errors';
import type { NormalizedUpdate } from '../../../shared/domain/inventory/normalize';
import { parseInventoryProviders } from '../../../shared/domain/inventory/provider-config';
import { type InventoryEvent, receiveInventoryWebhook } from '../../../shared/domain/inventory/receive-inventory-webhook';
import { inventorySignature } from '../../../shared/domain/inventory/webhook-signature';
import type { QuarantinedLine } from '../../../shared/ports/inventory-quarantine';

const providers = parseInventoryProviders(
  JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'config', 'inventory-providers', 'dev.json'), 'utf8')),
);
const CURRENT = 'c'.repeat(64);
const PREVIOUS = 'd'.repeat(64);
const NOW = new Date('2026-03-02T12:00:00.000Z');
const T = Math.floor(NOW.getTime() / 1000);

function harness(secretValue = JSON.stringify({ current: CURRENT })) {
  const queued: NormalizedUpdate[] = [];
  const quarantined: QuarantinedLine[] = [];
  const parsed: string[] = [];
  const deps = {
    providers,
    secretOf: async () => secretValue,
    graceHours: 24,
    parse: (raw: string) => {
      parsed.push(raw);
      return JSON.parse(raw) as InventoryEvent;
    },
    queue: { enqueue: async (u: readonly NormalizedUpdate[]) => void queued.push(...u) },
    quarantine: { record: async (l: readonly QuarantinedLine[]) => void quarantined.push(...l) },
    now: () => NOW,
  };
  return { deps, queued, quarantined, parsed };
}

const event = (updates: InventoryEvent['updates']) => JSON.stringify({ eventId: 'evt-1', occurredAt: '2026-03-02T11:59:00.000Z', updates });
const request = (rawBody: string, providerId = 'acme-warehouse', secret = CURRENT) => ({
  providerId,
  rawBody,
  timestamp: String(T),
  signature: inventorySignature(secret, T, rawBody),
});

describe('receiveInventoryWebhook', () => {
  test('queues translated lines and quarantines the rest without holding them back', async () => {
    const h = harness();
    const raw = event([
      { externalSku: 'ACME-10001', quantity: 3, unit: 'case' },
      { externalSku: 'ACME:NEW-SKU-1', quantity: 7 },
      { externalSku: 'ACME-UNKNOWN', quantity: 1 },
      { externalSku: 'ACME-10002', quantity: 1, unit: 'pallet' },
      { externalSku: 'ACME-PLATE-HALFDOZEN', quantity: 0.5 },
    ]);
    const result = await receiveInventoryWebhook(h.deps, request(raw));
    expect(h.queued.map((u) => [u.sku, u.onHand, u.providerId, u.eventId])).toEqual([
      ['MUG-SLATE', 36, 'acme-warehouse', 'evt-1'],
      ['NEW-SKU-1', 7, 'acme-warehouse', 'evt-1'],
      ['PLATE-OVAL-L', 3, 'acme-warehouse', 'evt-1'],
    ]);
    expect(h.quarantined.map((q) => [q.externalSku, q.reason])).toEqual([
      ['ACME-UNKNOWN', 'unknown-sku'],
      ['ACME-10002', 'unknown-unit:pallet'],
    ]);
    expect(h.quarantined[0]).toMatchObject({
      providerId: 'acme-warehouse',
      eventId: 'evt-1',
      occurredAt: '2026-03-02T11:59:00.000Z',
      line: { externalSku: 'ACME-UNKNOWN', quantity: 1 },
      receivedAt: NOW.toISOString(),
    });
    expect(result.accepted).toHaveLength(3);
    expect(result.quarantined).toHaveLength(2);
  });

  test('an unknown provider is NotFound, before any secret is read or the body parsed', async () => {
    const h = harness();
    const secretOf = jest.fn(h.deps.secretOf);
    await expect(receiveInventoryWebhook({ ...h.deps, secretOf }, request(event([]), 'nobody-here'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(receiveInventoryWebhook({ ...h.deps, secretOf }, request(event([]), '__proto__'))).rejects.toBeInstanceOf(NotFoundError);
    expect(secretOf).not.toHaveBeenCalled();
    expect(h.parsed).toEqual([]);
  });

  test('a bad signature is Unauthorized and nothing is parsed, queued or quarantined', async () => {
    const h = harness();
    const raw = event([{ externalSku: 'ACME-10001', quantity: 1 }]);
    await expect(receiveInventoryWebhook(h.deps, request(raw, 'acme-warehouse', PREVIOUS))).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(receiveInventoryWebhook(h.deps, { ...request(raw), rawBody: raw.replace('1}', '2}') })).rejects.toBeInstanceOf(UnauthorizedError);
    expect([h.parsed, h.queued, h.quarantined]).toEqual([[], [], []]);
  });

  test('the previous secret verifies within the grace period after a rotation, not after it', async () => {
    const raw = event([{ externalSku: 'ACME-10001', quantity: 1 }]);
    const within = harness(JSON.stringify({ current: CURRENT, previous: PREVIOUS, rotatedAt: new Date(NOW.getTime() - 23 * 3_600_000).toISOString() }));
    await expect(receiveInventoryWebhook(within.deps, request(raw, 'acme-warehouse', PREVIOUS))).resolves.toMatchObject({ eventId: 'evt-1' });
    const after = harness(JSON.stringify({ current: CURRENT, previous: PREVIOUS, rotatedAt: new Date(NOW.getTime() - 24 * 3_600_000).toISOString() }));
    await expect(receiveInventoryWebhook(after.deps, request(raw, 'acme-warehouse', PREVIOUS))).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(receiveInventoryWebhook(after.deps, request(raw))).resolves.toMatchObject({ eventId: 'evt-1' });
  });

  test("a signature made with another provider's secret does not verify", async () => {
    const h = harness();
    const raw = event([{ externalSku: 'NS-APRON-OLIVE', quantity: 1 }]);
    await expect(
      receiveInventoryWebhook(
        { ...h.deps, secretOf: async (id: string) => JSON.stringify({ current: id === 'north-supply' ? CURRENT : PREVIOUS }) },
        request(raw, 'acme-warehouse'),
      ),
    ).rejects.toBeInstanceOf(UnauthorizedError);
  });

  test('a body that fails validation after a good signature is the parser’s error, and nothing is queued', async () => {
    const h = harness();
    const parse = () => {
      throw new ValidationError('The request body is invalid');
    };
    await expect(receiveInventoryWebhook({ ...h.deps, parse }, request('{"eventId":1}'))).rejects.toBeInstanceOf(ValidationError);
    expect(h.queued).toEqual([]);
  });

  test('a failing queue fails the request, after the quarantine was recorded (the retry finds it recorded)', async () => {
    const h = harness();
    const queue = { enqueue: async () => Promise.reject(new Error('SQS down')) };
    const raw = event([
      { externalSku: 'ACME-10001', quantity: 1 },
      { externalSku: 'ACME-UNKNOWN', quantity: 1 },
    ]);
    await expect(receiveInventoryWebhook({ ...h.deps, queue }, request(raw))).rejects.toThrow('SQS down');
    expect(h.quarantined.map((q) => q.externalSku)).toEqual(['ACME-UNKNOWN']);
  });
});
