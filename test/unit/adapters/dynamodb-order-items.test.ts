import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ulid } from 'ulid';
import { lineOf, orderItem, storedLine, toOrder } from '../../../shared/adapters/dynamodb-order-items';
import type { OrderLine, StoredOrder } from '../../../shared/domain/model/order';

/** The order item's writer and reader agree: what orderItem writes, toOrder reads back unchanged. */
describe('the order item', () => {
  const line = {
    sku: 'MUG-1',
    productId: 'p-1',
    vendorId: 'v-1',
    quantity: 2,
    unitPrice: { amount: 1200, currency: 'EUR' },
    lineTotal: { amount: 2400, currency: 'EUR' },
  };
  const placed: StoredOrder = {
    orderId: '01ORDER0000000000000000001',
    customerId: 'c-1',
    status: 'PENDING',
    lines: [line],
    total: { amount: 2890, currency: 'EUR' },
    shipping: {
      address: { name: 'Ada Example', line1: 'Stephansplatz 3', city: 'Wien', postalCode: '1010', country: 'AT' },
      option: { id: 'standard', label: 'Standard' },
      email: 'ada@example.test',
      amount: { amount: 490, currency: 'EUR' },
    },
    createdAt: '2026-12-06T07:00:00.000Z',
    updatedAt: '2026-12-06T07:00:00.000Z',
  };

  it('as checkout writes it: no payment yet, and none read back', () => {
    const item = orderItem(placed, 4);
    expect(item).not.toHaveProperty('paymentIntentId');
    expect(toOrder(item)).toEqual(placed);
  });

  it('with its payment and fulfilment reference (as the saga leaves it): read back the same', () => {
    const fulfilled: StoredOrder = {
      ...placed,
      status: 'FULFILLED',
      payment: { provider: 'stripe', paymentIntentId: 'pi_123', status: 'succeeded' },
      fulfilmentReference: 'ship-1',
    };
    expect(orderItem(fulfilled, 4)).toMatchObject({ paymentIntentId: 'pi_123', paymentStatus: 'succeeded', fulfilmentReference: 'ship-1' });
    expect(toOrder(orderItem(fulfilled, 4))).toEqual(fulfilled);
  });
});

/**
 * The order item holds nothing twice (docs/data-model.md, "Orders"): its size is paid on every write of the order.
 * What it leaves out must come back exactly, and items written in full before still read the same.
 */
describe('the order item keeps nothing twice', () => {
  const eur = (amount: number) => ({ amount, currency: 'EUR' });
  const line = (sku: string, quantity: number, unit: number, total = unit * quantity, currency = 'EUR'): OrderLine => ({
    sku,
    productId: `product-${sku}`,
    vendorId: 'vendor-1',
    quantity,
    unitPrice: { amount: unit, currency },
    lineTotal: { amount: total, currency },
  });
  const order = (lines: OrderLine[]): StoredOrder => ({
    orderId: ulid(),
    customerId: '3f1c2a9e-0000-4000-8000-00000000c0de',
    status: 'PENDING',
    lines,
    total: eur(lines.reduce((sum, l) => sum + l.lineTotal.amount, 0)),
    shipping: {
      address: { name: 'Dana Demo', line1: 'Torstraße 1', city: 'Berlin', postalCode: '10119', country: 'DE' },
      option: { id: 'standard', label: 'Standard (3-5 working days)' },
      email: 'dana@example.test',
      amount: eur(0),
    },
    createdAt: '2026-12-06T10:00:00.000Z',
    updatedAt: '2026-12-06T10:00:00.000Z',
  });
  /** Through DynamoDB's types and back, as a write and a read would take it. */
  const roundTrip = (item: Record<string, unknown>) => unmarshall(marshall(item, { removeUndefinedValues: true }));

  it('reads back the order it was written from, lines in full, though it keeps neither the order id nor line totals', () => {
    const placed = order([line('MUG', 2, 1200), line('CANDLE', 1, 900)]);
    const item = roundTrip(orderItem(placed, 4));
    expect(item.orderId).toBeUndefined();
    expect(item.lines).toEqual([
      { sku: 'MUG', productId: 'product-MUG', vendorId: 'vendor-1', quantity: 2, unitAmount: 1200 },
      { sku: 'CANDLE', productId: 'product-CANDLE', vendorId: 'vendor-1', quantity: 1, unitAmount: 900 },
    ]);
    expect(toOrder(item)).toEqual(placed);
  });

  it('keeps a line total or a currency that does not follow from the unit price and the order', () => {
    const discounted = line('MUG', 3, 1000, 2500);
    const foreign = line('CANDLE', 1, 900, 900, 'USD');
    expect(storedLine(discounted, 'EUR')).toMatchObject({ unitAmount: 1000, lineAmount: 2500 });
    expect(storedLine(discounted, 'EUR')).not.toHaveProperty('currency');
    expect(storedLine(foreign, 'EUR')).toMatchObject({ unitAmount: 900, currency: 'USD' });
    expect(storedLine(foreign, 'EUR')).not.toHaveProperty('lineAmount');
    for (const l of [discounted, foreign]) expect(lineOf(roundTrip({ l: storedLine(l, 'EUR') }).l, 'EUR')).toEqual(l);
  });

  it('reads an item written before: with its order id and lines in full', () => {
    const placed = order([line('MUG', 2, 1200)]);
    const { lines, ...compact } = orderItem(placed, 4);
    expect(lines).toHaveLength(1);
    const before = roundTrip({ ...compact, orderId: placed.orderId, lines: placed.lines });
    expect(toOrder(before)).toEqual(placed);
  });

  it('stays under 1 KB for a one-line order awaiting payment, so its writes cost one unit each', () => {
    const placed = order([line('SKU-0000-0001', 1, 2400)]);
    const awaiting = {
      ...orderItem({ ...placed, status: 'AWAITING_PAYMENT' }, 64),
      paymentIntentId: 'pi_3QxZ8Lx2eZvKYlo21a2b3c4d',
      paymentStatus: 'requires_payment_method',
      paymentClientSecret: 'pi_3QxZ8Lx2eZvKYlo21a2b3c4d_secret_abcdefghijklmnopqrstuvwxy',
      history: ['2026-12-06T10:00:00.120Z RESERVED', '2026-12-06T10:00:00.480Z AWAITING_PAYMENT'],
    };
    expect(itemBytes(marshall(awaiting, { removeUndefinedValues: true }))).toBeLessThan(1024);
  });
});

/** DynamoDB's item size: attribute names and values (strings as UTF-8, numbers about one byte per two digits). */
function itemBytes(item: Record<string, unknown>): number {
  const size = (v: Record<string, unknown>): number => {
    if (typeof v.S === 'string') return Buffer.byteLength(v.S);
    if (typeof v.N === 'string') return Math.ceil(v.N.replace(/^-|\./g, '').length / 2) + 1;
    if (v.M) return 3 + Object.entries(v.M as Record<string, Record<string, unknown>>).reduce((s, [k, x]) => s + Buffer.byteLength(k) + size(x) + 1, 0);
    if (Array.isArray(v.L)) return 3 + (v.L as Array<Record<string, unknown>>).reduce((s, x) => s + size(x) + 1, 0);
    return 1;
  };
  return Object.entries(item).reduce((s, [k, v]) => s + Buffer.byteLength(k) + size(v as Record<string, unknown>), 0);
}
