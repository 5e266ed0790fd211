import { orderItem, toOrder } from '../../../shared/adapters/dynamodb-order-items';
import type { StoredOrder } from '../../../shared/domain/model/order';

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
