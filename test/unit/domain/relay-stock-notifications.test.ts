import { ProviderUnavailableError } from '../../../shared/domain/inventory/provider-unavailable';
import { relayStockNotifications } from '../../../shared/domain/inventory/relay-stock-notifications';
import type { CircuitPosition, ProviderChannel, ProviderChannels } from '../../../shared/ports/inventory';
import { FakeOutbox, FakeProviderApi, saleNotice } from '../../support/inventory-fakes';

const now = () => new Date('2026-11-22T10:00:00Z');
const later = new Date('2026-11-22T11:00:00Z');

/** Channels whose circuit position is set by the test; `open` after a failure when `opensOnFailure`. */
class FakeChannels implements ProviderChannels {
  readonly apis = new Map<string, FakeProviderApi>();
  readonly positions = new Map<string, CircuitPosition>();
  readonly claimedElsewhere = new Set<string>();
  opensOnFailure = false;
  closed: string[] = [];
  api(providerId: string): FakeProviderApi {
    if (!this.apis.has(providerId)) this.apis.set(providerId, new FakeProviderApi());
    return this.apis.get(providerId) as FakeProviderApi;
  }
  async open(providerId: string): Promise<ProviderChannel | undefined> {
    if (this.claimedElsewhere.has(providerId)) return undefined;
    const api = this.api(providerId);
    const position = () => this.positions.get(providerId) ?? 'closed';
    return {
      api: {
        notify: async (n) => {
          if (position() === 'open') throw new ProviderUnavailableError(providerId);
          try {
            await api.notify(n);
            this.positions.set(providerId, 'closed');
          } catch (error) {
            if (this.opensOnFailure) this.positions.set(providerId, 'open');
            throw error;
          }
        },
        snapshot: async (cursor) => {
          try {
            return await api.snapshot(cursor);
          } catch (error) {
            this.positions.set(providerId, 'open');
            throw error;
          }
        },
      },
      circuit: position,
      close: async () => void this.closed.push(providerId),
    };
  }
}

describe('outbox relay policy', () => {
  const options = { batchSize: 2, deadline: later };

  it('delivers each provider its pending notices oldest first, in pages, and marks each sent', async () => {
    const outbox = new FakeOutbox().add(
      saleNotice('acme', 'O3', '2026-11-22T09:03:00Z'),
      saleNotice('acme', 'O1', '2026-11-22T09:01:00Z'),
      saleNotice('north', 'O2', '2026-11-22T09:02:00Z'),
      saleNotice('acme', 'O4', '2026-11-22T09:04:00Z'),
    );
    const channels = new FakeChannels();
    const reports = await relayStockNotifications({ outbox, channels, now }, ['acme', 'north'], options);
    expect(reports).toEqual([
      { providerId: 'acme', outcome: 'delivered', sent: 3, pending: 0, oldestPendingSeconds: 0 },
      { providerId: 'north', outcome: 'delivered', sent: 1, pending: 0, oldestPendingSeconds: 0 },
    ]);
    expect(channels.api('acme').received.map((n) => n.orderId)).toEqual(['O1', 'O3', 'O4']);
    expect(outbox.sent('acme')).toHaveLength(3);
    expect(channels.closed).toEqual(['acme', 'north']);
    // Nothing is left: a second run sends nothing again.
    await relayStockNotifications({ outbox, channels, now }, ['acme', 'north'], options);
    expect([...channels.api('acme').deliveries.values()]).toEqual([1, 1, 1]);
  });

  it('stops at the first notice that still fails, so it and every later one stay pending, in order', async () => {
    const outbox = new FakeOutbox().add(saleNotice('acme', 'O1', '2026-11-22T09:00:00Z'), saleNotice('acme', 'O2', '2026-11-22T09:50:00Z'));
    const channels = new FakeChannels();
    channels.api('acme').mode = 'down';
    const [report] = await relayStockNotifications({ outbox, channels, now }, ['acme'], options);
    expect(report).toEqual({ providerId: 'acme', outcome: 'failed', sent: 0, pending: 2, oldestPendingSeconds: 3600, error: 'provider down' });
    expect(channels.api('acme').calls).toBe(1);
    expect(outbox.sent('acme')).toEqual([]);
    expect(channels.closed).toEqual(['acme']);
  });

  it('a failure that opens the circuit is reported as circuit-open; the notices stay pending', async () => {
    const outbox = new FakeOutbox().add(saleNotice('acme', 'O1', '2026-11-22T09:59:00Z'));
    const channels = new FakeChannels();
    channels.opensOnFailure = true;
    channels.api('acme').mode = 'down';
    const [report] = await relayStockNotifications({ outbox, channels, now }, ['acme'], options);
    expect(report).toMatchObject({ outcome: 'circuit-open', sent: 0, pending: 1, oldestPendingSeconds: 60 });
  });

  it('skips a provider whose circuit is open without calling it, and still reports what waits', async () => {
    const outbox = new FakeOutbox().add(saleNotice('acme', 'O1', '2026-11-22T09:30:00Z'), saleNotice('north', 'O2', '2026-11-22T09:30:00Z'));
    const channels = new FakeChannels();
    channels.positions.set('acme', 'open');
    const reports = await relayStockNotifications({ outbox, channels, now }, ['acme', 'north'], options);
    expect(reports.map((r) => [r.providerId, r.outcome, r.sent, r.pending, r.oldestPendingSeconds])).toEqual([
      ['acme', 'circuit-open', 0, 1, 1800],
      ['north', 'delivered', 1, 0, 0],
    ]);
    expect(channels.api('acme').calls).toBe(0);
    expect(channels.closed).toEqual(['acme', 'north']);
  });

  it('leaves a provider another run has claimed alone', async () => {
    const outbox = new FakeOutbox().add(saleNotice('acme', 'O1', '2026-11-22T09:59:30Z'));
    const channels = new FakeChannels();
    channels.claimedElsewhere.add('acme');
    const [report] = await relayStockNotifications({ outbox, channels, now }, ['acme'], options);
    expect(report).toEqual({ providerId: 'acme', outcome: 'busy', sent: 0, pending: 1, oldestPendingSeconds: 30 });
    expect(channels.api('acme').calls).toBe(0);
  });

  it('half-open: the oldest pending notice is the trial; with none pending, one snapshot page is', async () => {
    const outbox = new FakeOutbox().add(saleNotice('acme', 'O1', '2026-11-22T09:00:00Z'));
    const channels = new FakeChannels();
    channels.positions.set('acme', 'half-open');
    expect((await relayStockNotifications({ outbox, channels, now }, ['acme'], options))[0]).toMatchObject({ outcome: 'delivered', sent: 1 });
    expect(channels.positions.get('acme')).toBe('closed');

    // Nothing pending and still down: the probe fails and the circuit opens again.
    channels.positions.set('north', 'half-open');
    channels.api('north').mode = 'down';
    expect((await relayStockNotifications({ outbox, channels, now }, ['north'], options))[0]).toMatchObject({ outcome: 'circuit-open', sent: 0, pending: 0 });
    expect(channels.api('north').calls).toBe(1);
    // Closed with nothing pending: no call at all.
    expect((await relayStockNotifications({ outbox, channels, now }, ['acme'], options))[0]).toMatchObject({ outcome: 'delivered', sent: 0 });
    expect(channels.api('acme').calls).toBe(1);
  });

  it('sends nothing new once the deadline has come, and releases the provider', async () => {
    const outbox = new FakeOutbox().add(saleNotice('acme', 'O1', '2026-11-22T09:59:00Z'));
    const channels = new FakeChannels();
    const [report] = await relayStockNotifications({ outbox, channels, now }, ['acme'], { batchSize: 10, deadline: now() });
    expect(report).toMatchObject({ outcome: 'out-of-time', sent: 0, pending: 1 });
    expect(channels.api('acme').calls).toBe(0);
    expect(channels.closed).toEqual(['acme']);
  });
});
