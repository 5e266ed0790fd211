import { parseInventoryProviders } from '../../../shared/domain/inventory/provider-config';
import { syncProviderStock } from '../../../shared/domain/inventory/sync-provider-stock';
import type { NormalizedUpdate } from '../../../shared/domain/inventory/normalize';
import type { InventoryUpdateQueue } from '../../../shared/ports/inventory';
import type { InventoryQuarantine, QuarantinedLine } from '../../../shared/ports/inventory-quarantine';
import { FakeHealth, FakeProviderApi } from '../../support/inventory-fakes';

class FakeUpdateQueue implements InventoryUpdateQueue {
  readonly updates: NormalizedUpdate[] = [];
  async enqueue(updates: readonly NormalizedUpdate[]) {
    this.updates.push(...updates);
  }
}

class FakeQuarantine implements InventoryQuarantine {
  readonly lines: QuarantinedLine[] = [];
  async record(lines: readonly QuarantinedLine[]) {
    this.lines.push(...lines);
  }
}

const now = () => new Date('2026-11-22T10:00:00Z');
const provider = (priority: number) => ({
  priority,
  apiUrl: 'https://provider.example.com/api/',
  units: { each: 1, case: 12 },
  defaultUnit: 'each',
  rounding: 'down' as const,
  skus: { 'A-1': { sku: 'MUG' }, 'A-2': { sku: 'CANDLE', defaultUnit: 'case' } },
  prefixes: [],
  outbound: { timeoutMs: 2000, maxAttempts: 3, failureThreshold: 5, openSeconds: 30 },
});
const providers = parseInventoryProviders({ providers: { acme: provider(20), north: provider(10) }, requireLiveStock: { skus: [], prefixes: [] } });

/** The full sync: every snapshot page through normalizeLine and onto the queue, as the event sync-<id>-<takenAt>. */
describe('full stock sync', () => {
  function setup() {
    const apis = new Map([
      ['acme', new FakeProviderApi()],
      ['north', new FakeProviderApi()],
    ]);
    const health = new FakeHealth();
    const queue = new FakeUpdateQueue();
    const quarantine = new FakeQuarantine();
    return { apis, health, queue, quarantine, deps: { providers, apis, health, queue, quarantine, now } };
  }
  const takenAt = '2026-11-22T09:55:00.000Z';

  it('pages through each snapshot; every line normalized (units, versions) and queued as the sync event', async () => {
    const { apis, queue, quarantine, deps } = setup();
    (apis.get('acme') as FakeProviderApi).pages = [
      { lines: [{ externalSku: 'A-1', quantity: 7 }], nextCursor: '1', takenAt },
      {
        lines: [
          { externalSku: 'A-2', quantity: 2, version: 42 },
          { externalSku: 'NOPE', quantity: 1 },
        ],
        takenAt,
      },
    ];
    (apis.get('north') as FakeProviderApi).pages = [{ lines: [], takenAt }];
    const reports = await syncProviderStock(deps, { maxPages: 10 });
    expect(reports).toEqual([
      { providerId: 'acme', outcome: 'synced', pages: 2, queued: 2, quarantined: 1 },
      { providerId: 'north', outcome: 'synced', pages: 1, queued: 0, quarantined: 0 },
    ]);
    expect(queue.updates).toEqual([
      {
        providerId: 'acme',
        priority: 20,
        eventId: `sync-acme-${takenAt}`,
        externalSku: 'A-1',
        sku: 'MUG',
        onHand: 7,
        version: Date.parse(takenAt),
        occurredAt: takenAt,
      },
      { providerId: 'acme', priority: 20, eventId: `sync-acme-${takenAt}`, externalSku: 'A-2', sku: 'CANDLE', onHand: 24, version: 42, occurredAt: takenAt },
    ]);
    expect(quarantine.lines).toEqual([
      {
        providerId: 'acme',
        eventId: `sync-acme-${takenAt}`,
        occurredAt: takenAt,
        externalSku: 'NOPE',
        reason: 'unknown-sku',
        line: { externalSku: 'NOPE', quantity: 1 },
        receivedAt: now().toISOString(),
      },
    ]);
  });

  it('skips a provider whose circuit is open; a provider that fails is reported and the others still sync', async () => {
    const { apis, health, queue, deps } = setup();
    health.open.add('acme');
    (apis.get('north') as FakeProviderApi).pages = [{ lines: [{ externalSku: 'A-1', quantity: 3 }], nextCursor: '1', takenAt }];
    const reports = await syncProviderStock(deps, { maxPages: 10 });
    expect(reports).toEqual([
      { providerId: 'acme', outcome: 'circuit-open', pages: 0, queued: 0, quarantined: 0 },
      // Page 1 was queued before page 2 failed.
      { providerId: 'north', outcome: 'failed', pages: 1, queued: 1, quarantined: 0, error: 'no page 1' },
    ]);
    expect((apis.get('acme') as FakeProviderApi).calls).toBe(0);
    expect(queue.updates.map((u) => [u.providerId, u.sku, u.onHand])).toEqual([['north', 'MUG', 3]]);
  });

  it('stops a snapshot that never ends at maxPages, and reports it', async () => {
    const { apis, deps } = setup();
    (apis.get('acme') as FakeProviderApi).pages = [{ lines: [], nextCursor: '0', takenAt }];
    (apis.get('north') as FakeProviderApi).pages = [{ lines: [], takenAt }];
    const [acme] = await syncProviderStock(deps, { maxPages: 3 });
    expect(acme).toEqual({ providerId: 'acme', outcome: 'failed', pages: 3, queued: 0, quarantined: 0, error: 'stopped after 3 pages' });
  });
});
