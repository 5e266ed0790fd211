import type { HeldLine, ReserveResult } from '../../shared/ports/stock-ledger';
import { testEndpoints } from '../support/endpoints';
import { runtimeStores } from '../support/runtime-stores';
import { pendingOrder, type ProbeSku, stockedSkus } from '../support/order-builders';
import { mulberry32 as prng } from '../support/random';
import { retried } from '../support/retried';

/**
 * The reservation transaction itself under full contention, against DynamoDB Local: no up-front availability check
 * (the HTTP checkout has one), every reservation racing at once, a contended transaction retried as the saga's
 * Retry does. Overselling and partial reservation must be impossible whatever the interleaving.
 */
describe('stock ledger under contention (DynamoDB Local)', () => {
  const endpoints = testEndpoints();
  const { dynamodb, catalog, orders, ledger, stock } = runtimeStores(endpoints, { maxAttempts: 5 });
  afterAll(() => dynamodb.destroy());

  /** Fresh SKUs with `stock` each; the probes, by code, for building orders. */
  const probes = new Map<string, ProbeSku>();
  async function skus(count: number, stock: number): Promise<string[]> {
    const created = await stockedSkus(catalog, { prefix: 'LEDGER', count, stock, unitAmount: 100 });
    for (const p of created) probes.set(p.sku, p);
    return created.map((p) => p.sku);
  }
  const order = async (lines: readonly HeldLine[]): Promise<string> =>
    (
      await pendingOrder(
        orders,
        'customer-ledger',
        lines.map((l) => ({ ...(probes.get(l.sku) as ProbeSku), quantity: l.quantity })),
      )
    ).orderId;

  const expiresAt = () => new Date(Date.now() + 15 * 60_000).toISOString();
  const reserve = (orderId: string, lines: readonly HeldLine[], rng: () => number): Promise<ReserveResult> =>
    retried(() => ledger.reserve(orderId, lines, expiresAt(), new Date().toISOString()), rng, { baseMs: 20, capMs: 1000 });

  it.each([11, 2024, 777])(
    '200 simultaneous reservations of 1..5 against 50 in stock never exceed it (seed %i)',
    async (seed) => {
      const rng = prng(seed);
      const [sku] = (await skus(1, 50)) as [string];
      const wanted = Array.from({ length: 200 }, () => 1 + Math.floor(rng() * 5));
      const orderIds = await Promise.all(wanted.map((quantity) => order([{ sku, quantity }])));
      const results = await Promise.all(orderIds.map((id, i) => reserve(id, [{ sku, quantity: wanted[i] as number }], rng)));

      const reserved = results.reduce((sum, r, i) => sum + (r.outcome === 'reserved' ? (wanted[i] as number) : 0), 0);
      expect(results.every((r) => r.outcome === 'reserved' || r.outcome === 'insufficient')).toBe(true);
      expect(reserved).toBeLessThanOrEqual(50);
      // Greedy completeness: once refused, what is left is less than that order asked for.
      expect(await stock(sku)).toEqual({ onHand: 50, reserved, available: 50 - reserved });
      const refused = wanted.filter((_, i) => results[i]?.outcome === 'insufficient');
      expect(refused.every((q) => q > 50 - reserved)).toBe(true);
      // Each order's status moved with its stock, in the same transaction.
      const statuses = await Promise.all(orderIds.map(async (id) => (await orders.get(id))?.status));
      statuses.forEach((s, i) => expect(s).toBe(results[i]?.outcome === 'reserved' ? 'RESERVED' : 'PENDING'));
    },
    120_000,
  );

  it('multi-line reservations over 5 contended SKUs take every line or none, and release and commit exactly once', async () => {
    const rng = prng(5);
    const codes = await skus(5, 8);
    const requests = Array.from({ length: 80 }, () => {
      const picked = codes.filter(() => rng() < 0.6);
      const lines = (picked.length >= 2 ? picked : codes.slice(0, 2)).map((sku) => ({ sku, quantity: 1 + Math.floor(rng() * 3) }));
      return lines;
    });
    const orderIds = await Promise.all(requests.map((lines) => order(lines)));
    const results = await Promise.all(orderIds.map((id, i) => reserve(id, requests[i] as HeldLine[], rng)));
    const won = orderIds.filter((_, i) => results[i]?.outcome === 'reserved');
    expect(won.length).toBeGreaterThan(0);
    for (const sku of codes) {
      const held = requests.reduce((sum, lines, i) => sum + (results[i]?.outcome === 'reserved' ? (lines.find((l) => l.sku === sku)?.quantity ?? 0) : 0), 0);
      expect({ sku, ...(await stock(sku)) }).toEqual({ sku, onHand: 8, reserved: held, available: 8 - held });
    }
    for (const [i, id] of orderIds.entries()) expect((await ledger.get(id))?.status).toBe(results[i]?.outcome === 'reserved' ? 'ACTIVE' : undefined);

    // Release half of the winners twice and commit the other half twice (after their payment wait): once each.
    const [release, commit] = [won.filter((_, i) => i % 2 === 0), won.filter((_, i) => i % 2 === 1)];
    const at = new Date().toISOString();
    for (const id of commit) await orders.transition(id, { from: ['RESERVED'], to: 'AWAITING_PAYMENT', at });
    const released = await Promise.all([...release, ...release].map((id) => retried(() => ledger.release(id, at), rng, { baseMs: 20, capMs: 1000 })));
    const committed = await Promise.all([...commit, ...commit].map((id) => retried(() => ledger.commit(id, at), rng, { baseMs: 20, capMs: 1000 })));
    expect(released.filter((r) => r === 'released')).toHaveLength(release.length);
    expect(committed.filter((r) => r === 'committed')).toHaveLength(commit.length);
    for (const sku of codes) {
      const sold = commit.reduce((sum, id) => sum + ((requests[orderIds.indexOf(id)] as HeldLine[]).find((l) => l.sku === sku)?.quantity ?? 0), 0);
      expect({ sku, ...(await stock(sku)) }).toEqual({ sku, onHand: 8 - sold, reserved: 0, available: 8 - sold });
    }
  }, 120_000);
});
