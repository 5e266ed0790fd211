import { HmacCursorCodec } from '../../../shared/adapters/hmac-cursor-codec';
import { ValidationError } from '../../../shared/domain/errors';
import type { OrderStatus, StoredOrder } from '../../../shared/domain/orders/order';
import { listOrdersByStatus } from '../../../shared/domain/orders/queries';
import { FakeOrders } from '../../support/order-fakes';

const NOW = new Date('2026-11-22T10:00:00Z');
const EUR = { amount: 1800, currency: 'EUR' };

function ordersOf(...rows: Array<[orderId: string, status: OrderStatus, createdAt: string]>): FakeOrders {
  const orders = new FakeOrders();
  for (const [orderId, status, createdAt] of rows) {
    const order: StoredOrder = { orderId, customerId: `c-${orderId}`, status, lines: [], total: EUR, createdAt, updatedAt: createdAt };
    orders.orders.set(orderId, order);
  }
  return orders;
}

describe('the admins\u2019 order listing (GET /admin/orders)', () => {
  const cursors = new HmacCursorCodec(async () => 'k'.repeat(32));
  const orders = ordersOf(
    ['01A', 'CONFIRMED', '2026-11-20T08:00:00.000Z'],
    ['01B', 'CONFIRMED', '2026-11-21T08:00:00.000Z'],
    ['01C', 'CONFIRMED', '2026-11-22T08:00:00.000Z'],
    ['01D', 'FAILED', '2026-11-22T09:00:00.000Z'],
    ['01E', 'CONFIRMED', '2026-11-23T08:00:00.000Z'],
  );
  const deps = { orders, cursors, now: () => NOW };
  const ids = (page: { items: Array<{ orderId: string }> }) => page.items.map((o) => o.orderId);

  it('lists one status, newest first, up to now when no window is given', async () => {
    // 01E was created after "now": a listing up to now leaves it out.
    expect(ids(await listOrdersByStatus(deps, 'admin-1', { status: 'CONFIRMED', limit: 10 }))).toEqual(['01C', '01B', '01A']);
    expect(ids(await listOrdersByStatus(deps, 'admin-1', { status: 'FAILED', limit: 10 }))).toEqual(['01D']);
  });

  it('keeps to the window, with offsets normalised to UTC', async () => {
    const page = await listOrdersByStatus(deps, 'admin-1', { status: 'CONFIRMED', from: '2026-11-21T09:00:00+01:00', to: '2026-11-30T00:00:00Z', limit: 10 });
    expect(ids(page)).toEqual(['01E', '01C', '01B']);
  });

  it('pages with a cursor signed for the admin and the filters', async () => {
    const first = await listOrdersByStatus(deps, 'admin-1', { status: 'CONFIRMED', limit: 2 });
    expect(ids(first)).toEqual(['01C', '01B']);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await listOrdersByStatus(deps, 'admin-1', { status: 'CONFIRMED', limit: 2, cursor: first.nextCursor });
    expect(ids(second)).toEqual(['01A']);
    expect(second.nextCursor).toBeUndefined();

    // Another admin, another status or another window cannot reuse it.
    for (const [admin, query] of [
      ['admin-2', { status: 'CONFIRMED' as const }],
      ['admin-1', { status: 'FAILED' as const }],
      ['admin-1', { status: 'CONFIRMED' as const, from: '2026-01-01T00:00:00Z' }],
    ] as const) {
      await expect(listOrdersByStatus(deps, admin, { ...query, limit: 2, cursor: first.nextCursor })).rejects.toBeInstanceOf(ValidationError);
    }
  });

  it('refuses a window that ends before it starts', async () => {
    await expect(
      listOrdersByStatus(deps, 'admin-1', { status: 'CONFIRMED', from: '2026-11-22T00:00:00Z', to: '2026-11-21T00:00:00Z', limit: 10 }),
    ).rejects.toMatchObject({ name: 'ValidationError', errors: [{ path: 'query.from' }] });
  });
});
