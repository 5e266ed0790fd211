import { CockatielProviderChannels, withTimeoutAndRetry } from '../../../shared/adapters/provider-channels';
import { ProviderUnavailableError } from '../../../shared/domain/inventory/provider-unavailable';
import { relayStockNotifications } from '../../../shared/domain/inventory/relay-stock-notifications';
import { FakeCircuitStore, FakeOutbox, FakeProviderApi, saleNotice } from '../../support/inventory-fakes';

const outbound = { timeoutMs: 100, maxAttempts: 3, failureThreshold: 5, openSeconds: 1 };
const backoff = { initialDelay: 1, maxDelay: 5 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The relay's channels over cockatiel, as the relay function wires them (fake store and provider API): the breaker
 * counts every attempt across runs (its state kept in the store between them), opens after failureThreshold
 * consecutive failures and writes the CIRCUIT item, refuses calls while open, lets one trial through after
 * openSeconds, and on success resets and removes the item.
 */
describe('provider channels (timeout, retry with backoff, circuit breaker)', () => {
  function setup() {
    const store = new FakeCircuitStore();
    const api = new FakeProviderApi();
    const outbox = new FakeOutbox();
    let run = 0;
    /** One relay run, as the scheduled function does it: a fresh channels object with its own owner. */
    const relay = () => {
      const channels = new CockatielProviderChannels({
        store,
        providers: new Map([['acme', { api, outbound }]]),
        owner: `run-${++run}`,
        leaseSeconds: 90,
        backoff,
      });
      return relayStockNotifications({ outbox, channels, now: () => new Date() }, ['acme'], { batchSize: 10, deadline: new Date(Date.now() + 60_000) });
    };
    return { store, api, outbox, relay };
  }

  it('opens after failureThreshold consecutive failed attempts, across runs; skips while open; one trial after openSeconds closes it', async () => {
    const { store, api, outbox, relay } = setup();
    outbox.add(saleNotice('acme', 'O1', new Date(Date.now() - 1000).toISOString()), saleNotice('acme', 'O2', new Date().toISOString()));
    api.mode = 'down';

    // Run 1: the first notice is tried maxAttempts times; 3 failures are below the threshold of 5.
    expect((await relay())[0]).toMatchObject({ outcome: 'failed', sent: 0, pending: 2 });
    expect(api.calls).toBe(3);
    expect(store.circuits.size).toBe(0);
    expect(await store.isOpen('acme', new Date())).toBe(false);

    // Run 2 (a fresh breaker, hydrated from the store): two more failures open it; the third attempt is refused.
    const before = Date.now();
    expect((await relay())[0]).toMatchObject({ outcome: 'circuit-open', sent: 0, pending: 2 });
    expect(api.calls).toBe(5);
    const circuit = store.circuits.get('acme');
    expect(circuit?.openUntil.getTime()).toBeGreaterThanOrEqual(before + 1000);
    expect(circuit?.openUntil.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await store.isOpen('acme', new Date())).toBe(true);

    // Run 3, still within openSeconds: the provider is not called at all.
    expect((await relay())[0]).toMatchObject({ outcome: 'circuit-open', sent: 0, pending: 2 });
    expect(api.calls).toBe(5);

    // The provider recovers; after openSeconds the oldest notice is the trial, it succeeds, the breaker resets.
    api.mode = 'up';
    await sleep(1100);
    expect(await store.isOpen('acme', new Date())).toBe(false);
    expect((await relay())[0]).toMatchObject({ outcome: 'delivered', sent: 2, pending: 0 });
    expect(store.circuits.size).toBe(0);
    expect(store.events).toEqual(['opened acme', 'closed acme']);
    expect(api.received.map((n) => n.orderId)).toEqual(['O1', 'O2']);
    expect([...api.deliveries.values()]).toEqual([1, 1]);
  });

  it('a failed trial opens the circuit again for another openSeconds', async () => {
    const { store, api, outbox, relay } = setup();
    outbox.add(saleNotice('acme', 'O1', new Date().toISOString()));
    api.mode = 'down';
    await relay();
    await relay();
    const first = store.circuits.get('acme')?.openUntil.getTime() ?? 0;
    await sleep(1100);
    const calls = api.calls;
    expect((await relay())[0]).toMatchObject({ outcome: 'circuit-open' });
    // One trial call, not a round of retries.
    expect(api.calls).toBe(calls + 1);
    expect(store.circuits.get('acme')?.openUntil.getTime()).toBeGreaterThan(first + 1000);
    expect(store.events).toEqual(['opened acme', 'opened acme']);
  });

  it('a success resets the count of consecutive failures', async () => {
    const { store, api, outbox, relay } = setup();
    outbox.add(saleNotice('acme', 'O1', new Date().toISOString()));
    api.mode = 'down';
    await relay(); // 3 failures
    api.mode = 'up';
    await relay(); // sent: the count is back to 0
    outbox.add(saleNotice('acme', 'O2', new Date().toISOString()));
    api.mode = 'down';
    expect((await relay())[0]).toMatchObject({ outcome: 'failed' }); // 3 failures, not 6: still closed
    expect(store.circuits.size).toBe(0);
  });

  it('an attempt that outlives timeoutMs is aborted and counts as a failure', async () => {
    const { store, api, outbox, relay } = setup();
    outbox.add(saleNotice('acme', 'O1', new Date().toISOString()));
    api.mode = 'hang';
    const started = Date.now();
    expect((await relay())[0]).toMatchObject({ outcome: 'failed' });
    expect(api.calls).toBe(3);
    // Three attempts of about 100 ms each, not a hang.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(store.circuits.size).toBe(0);
  });

  it('one run at a time per provider: a second claim before the first ends is refused', async () => {
    const store = new FakeCircuitStore();
    const providers = new Map([['acme', { api: new FakeProviderApi(), outbound }]]);
    const first = await new CockatielProviderChannels({ store, providers, owner: 'a', leaseSeconds: 90 }).open('acme');
    expect(first).toBeDefined();
    expect(await new CockatielProviderChannels({ store, providers, owner: 'b', leaseSeconds: 90 }).open('acme')).toBeUndefined();
    await first?.close();
    expect(await new CockatielProviderChannels({ store, providers, owner: 'c', leaseSeconds: 90 }).open('acme')).toBeDefined();
  });

  it('an open circuit refuses a call with ProviderUnavailableError', async () => {
    const store = new FakeCircuitStore();
    const api = new FakeProviderApi();
    api.mode = 'down';
    const channel = await new CockatielProviderChannels({
      store,
      providers: new Map([['acme', { api, outbound: { ...outbound, failureThreshold: 1, maxAttempts: 1 } }]]),
      owner: 'a',
      leaseSeconds: 90,
      backoff,
    }).open('acme');
    await expect(channel?.api.notify(saleNotice('acme', 'O1', new Date().toISOString()))).rejects.toThrow('provider down');
    expect(channel?.circuit()).toBe('open');
    await expect(channel?.api.notify(saleNotice('acme', 'O1', new Date().toISOString()))).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(api.calls).toBe(1);
  });

  it('withTimeoutAndRetry (the full sync) retries maxAttempts times and never opens a circuit', async () => {
    const api = new FakeProviderApi();
    api.pages = [{ lines: [], takenAt: new Date().toISOString() }];
    api.failCall = 0;
    await expect(withTimeoutAndRetry(api, outbound, backoff).snapshot(undefined)).resolves.toMatchObject({ lines: [] });
    expect(api.calls).toBe(2);
    api.mode = 'down';
    await expect(withTimeoutAndRetry(api, outbound, backoff).snapshot(undefined)).rejects.toThrow('provider down');
    expect(api.calls).toBe(5);
  });
});
