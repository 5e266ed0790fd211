import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ulid } from 'ulid';
import {
  checkedStatusShards,
  orderItem,
  orderTransitionUpdate,
  statusKeyOf,
  statusKeysToRead,
  statusShardOf,
} from '../../../shared/adapters/dynamodb-order-items';
import type { StoredOrder } from '../../../shared/domain/orders/order';

/**
 * The byStatus index's write sharding (issue 12, item 2; docs/data-model.md, "Orders"): an order's shard is a stable
 * hash of its id mod N, and every write of its status uses it. The index reads are tested against DynamoDB Local
 * (test/integration/order-status-shards.test.ts).
 */
describe('the byStatus shard of an order', () => {
  it('is the 32-bit FNV-1a hash of the id mod N (the published test vectors)', () => {
    // FNV-1a 32: "a" -> 0xe40c292c, "foobar" -> 0xbf9cf968.
    expect(statusShardOf('a', 64)).toBe(0xe40c292c % 64);
    expect(statusShardOf('foobar', 64)).toBe(0xbf9cf968 % 64);
    expect(statusShardOf('foobar', 7)).toBe(0xbf9cf968 % 7);
    expect(fnv1a(Buffer.from('foobar'))).toBe(0xbf9cf968);
    for (const id of ['é', '01JF6Q3V9M2K8XW4T5R7N0PZ1A', 'order-ünïcode-✓']) expect(statusShardOf(id, 1000)).toBe(fnv1a(Buffer.from(id, 'utf8')) % 1000);
  });

  it('is stable and within [0, N) for every N from 1 to 64', () => {
    const ids = Array.from({ length: 200 }, () => ulid());
    const wrong: string[] = [];
    for (let n = 1; n <= 64; n++) {
      for (const id of ids) {
        const shard = statusShardOf(id, n);
        if (!Number.isInteger(shard) || shard < 0 || shard >= n || statusShardOf(id, n) !== shard) wrong.push(`${id} mod ${n}: ${shard}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('spreads order ids evenly: 16,000 ULIDs over 16 shards, each shard within 15% of the mean', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[statusShardOf(ulid(), 16)]! += 1;
    for (const count of counts) expect(Math.abs(count - 1_000)).toBeLessThan(150);
  });

  it('names the shard in the key, STATUS#<status>#<n>', () => {
    const id = ulid();
    expect(statusKeyOf('CONFIRMED', id, 4)).toBe(`STATUS#CONFIRMED#${statusShardOf(id, 4)}`);
    expect(statusKeyOf('CONFIRMED', id, 1)).toBe('STATUS#CONFIRMED#0');
  });

  it('is what the order item and a status change write, on the same shard', () => {
    const order = storedOrder();
    const shard = statusShardOf(order.orderId, 16);
    expect(orderItem(order, 16).gsi2pk).toBe(`STATUS#PENDING#${shard}`);
    const update = orderTransitionUpdate('orders', order.orderId, { from: ['AWAITING_PAYMENT'], to: 'CONFIRMED', at: order.createdAt }, 16);
    const values = unmarshall(update.ExpressionAttributeValues ?? {});
    expect(values[':statusKey']).toBe(`STATUS#CONFIRMED#${shard}`);
    expect(update.UpdateExpression).toContain('gsi2pk = :statusKey');
  });

  it('keeps a RESERVED order on its PENDING key, so reserving writes no index key, and lists RESERVED from both keys', () => {
    const order = storedOrder();
    const shard = statusShardOf(order.orderId, 16);
    expect(statusKeyOf('RESERVED', order.orderId, 16)).toBe(`STATUS#PENDING#${shard}`);
    const reserve = orderTransitionUpdate('orders', order.orderId, { from: ['PENDING'], to: 'RESERVED', at: order.createdAt }, 16);
    expect(reserve.UpdateExpression).not.toContain('gsi2pk');
    expect(unmarshall(reserve.ExpressionAttributeValues ?? {})[':statusKey']).toBeUndefined();
    // Leaving for another key, or from a status that may be on another key, moves it.
    for (const change of [
      { from: ['RESERVED', 'AWAITING_PAYMENT'], to: 'AWAITING_PAYMENT' },
      { from: ['PENDING', 'RESERVED', 'AWAITING_PAYMENT'], to: 'CANCELLED' },
      { from: ['RESERVED'], to: 'FAILED' },
    ] as const) {
      const update = orderTransitionUpdate('orders', order.orderId, { from: [...change.from], to: change.to, at: order.createdAt }, 16);
      expect(unmarshall(update.ExpressionAttributeValues ?? {})[':statusKey']).toBe(`STATUS#${change.to}#${shard}`);
    }
    expect(statusKeysToRead('RESERVED', 3)).toEqual(['STATUS#PENDING#3', 'STATUS#RESERVED#3']);
    expect(statusKeysToRead('PENDING', 3)).toEqual(['STATUS#PENDING#3']);
    expect(statusKeysToRead('CONFIRMED', 3)).toEqual(['STATUS#CONFIRMED#3']);
  });

  it('takes a shard count from 1 to 64 only', () => {
    expect(checkedStatusShards(1)).toBe(1);
    expect(checkedStatusShards(64)).toBe(64);
    for (const bad of [0, 65, 1.5, Number.NaN, -4]) expect(() => checkedStatusShards(bad)).toThrow(/1 to 64 shards/);
  });
});

function fnv1a(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  // Without Math.imul: the product in BigInt, reduced mod 2^32.
  for (const byte of bytes) hash = Number((BigInt((hash ^ byte) >>> 0) * 0x01000193n) % 2n ** 32n);
  return hash;
}

function storedOrder(): StoredOrder {
  const at = new Date().toISOString();
  const price = { amount: 1000, currency: 'EUR' };
  return {
    orderId: ulid(),
    customerId: 'customer-shards',
    status: 'PENDING',
    lines: [{ sku: 'SKU-1', productId: 'p1', vendorId: 'v1', quantity: 1, unitPrice: price, lineTotal: price }],
    total: price,
    createdAt: at,
    updatedAt: at,
  };
}
