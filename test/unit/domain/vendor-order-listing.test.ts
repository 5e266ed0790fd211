import { HmacCursorCodec } from '../../../shared/adapters/hmac-cursor-codec';
import { ValidationError } from '../../../shared/domain/errors';
import type { OrderLine, StoredOrder } from '../../../shared/domain/orders/order';
import { listVendorOrders } from '../../../shared/domain/orders/vendor-orders';
import { FakeOrders, FakeVendorOrders } from '../../support/order-fakes';

const line = (vendorId: string, sku: string, quantity: number, unit: number): OrderLine => ({
  sku,
  productId: `P-${sku}`,
  vendorId,
  quantity,
  unitPrice: { amount: unit, currency: 'EUR' },
  lineTotal: { amount: unit * quantity, currency: 'EUR' },
});

function order(orderId: string, createdAt: string, lines: OrderLine[]): StoredOrder {
  const amount = lines.reduce((sum, l) => sum + l.lineTotal.amount, 0);
  return { orderId, customerId: `customer-${orderId}`, status: 'CONFIRMED', lines, total: { amount, currency: 'EUR' }, createdAt, updatedAt: createdAt };
}

describe('the vendors\u2019 order listing (GET /vendor/orders)', () => {
  const cursors = new HmacCursorCodec(async () => 'k'.repeat(32));
  const orders = new FakeOrders();
  for (const o of [
    order('01A', '2026-11-20T08:00:00.000Z', [line('vendor-a', 'A-1', 2, 500)]),
    order('01B', '2026-11-21T08:00:00.000Z', [line('vendor-a', 'A-1', 1, 500), line('vendor-b', 'B-1', 3, 700), line('vendor-a', 'A-2', 1, 250)]),
    order('01C', '2026-11-22T08:00:00.000Z', [line('vendor-b', 'B-1', 1, 700)]),
    order('01D', '2026-11-23T08:00:00.000Z', [line('vendor-a', 'A-2', 4, 250)]),
  ])
    orders.orders.set(o.orderId, o);
  const deps = { vendorOrders: new FakeVendorOrders(orders), cursors };

  it('lists the orders holding the vendor\u2019s SKUs, newest first, with only its lines and their total', async () => {
    const page = await listVendorOrders(deps, 'vendor-a', { limit: 10 });
    expect(page.items.map((o) => o.orderId)).toEqual(['01D', '01B', '01A']);
    const shared = page.items.find((o) => o.orderId === '01B');
    expect(shared).toEqual({
      orderId: '01B',
      status: 'CONFIRMED',
      lines: [line('vendor-a', 'A-1', 1, 500), line('vendor-a', 'A-2', 1, 250)],
      total: { amount: 750, currency: 'EUR' },
      createdAt: '2026-11-21T08:00:00.000Z',
      updatedAt: '2026-11-21T08:00:00.000Z',
    });
    // Nothing of the customer, nothing of another vendor.
    expect(JSON.stringify(page)).not.toMatch(/customer|vendor-b|B-1/);
  });

  it('pages with a cursor signed for this vendor\u2019s listing only', async () => {
    const first = await listVendorOrders(deps, 'vendor-a', { limit: 2 });
    expect(first.items.map((o) => o.orderId)).toEqual(['01D', '01B']);
    const second = await listVendorOrders(deps, 'vendor-a', { limit: 2, cursor: first.nextCursor });
    expect(second.items.map((o) => o.orderId)).toEqual(['01A']);
    expect(second.nextCursor).toBeUndefined();
    await expect(listVendorOrders(deps, 'vendor-b', { limit: 2, cursor: first.nextCursor })).rejects.toBeInstanceOf(ValidationError);
  });

  it('is empty for a vendor with no orders', async () => {
    expect(await listVendorOrders(deps, 'vendor-c', { limit: 10 })).toEqual({ items: [] });
  });
});
