import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { ulid } from 'ulid';
import type { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import type { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import type { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import type { StoredOrder } from '../../shared/domain/orders/order';

/** A SKU of a product, as the order builders need it. */
export interface ProbeSku {
  readonly sku: string;
  readonly productId: string;
  readonly vendorId: string;
  readonly unitAmount: number;
}

/**
 * One product with `count` fresh SKUs (codes `<prefix>-<random>-<n>`), each with `stock` on hand, written through
 * the real catalog repository, so stock tests never share a SKU with another test or run.
 */
export async function stockedSkus(
  catalog: DynamoDbCatalogRepository,
  options: { prefix: string; count?: number; stock: number; unitAmount?: number; stockShards?: number },
): Promise<ProbeSku[]> {
  const tag = randomBytes(4).toString('hex').toUpperCase();
  const productId = ulid();
  const vendorId = `vendor-${options.prefix.toLowerCase()}`;
  const unitAmount = options.unitAmount ?? 1000;
  const codes = Array.from({ length: options.count ?? 1 }, (_, i) => `${options.prefix}-${tag}-${i}`);
  const at = new Date().toISOString();
  await catalog.create({
    product: { productId, vendorId, name: `${options.prefix} probe ${tag}`, description: '', status: 'ACTIVE', skuCodes: codes, createdAt: at, updatedAt: at },
    skus: codes.map((sku) => ({
      sku,
      productId,
      vendorId,
      name: sku,
      price: { amount: unitAmount, currency: 'EUR' },
      onHand: options.stock,
      reserved: 0,
      version: 0,
      ...(options.stockShards ? { stockShards: options.stockShards } : {}),
    })),
  });
  return codes.map((sku) => ({ sku, productId, vendorId, unitAmount }));
}

/** A PENDING order for these lines, as checkout leaves it (order, vendor views, history and checkout key). */
export async function pendingOrder(
  orders: DynamoDbOrderRepository,
  customerId: string,
  lines: ReadonlyArray<ProbeSku & { quantity: number }>,
): Promise<StoredOrder> {
  const at = new Date().toISOString();
  const order: StoredOrder = {
    orderId: ulid(),
    customerId,
    status: 'PENDING',
    lines: lines.map((l) => ({
      sku: l.sku,
      productId: l.productId,
      vendorId: l.vendorId,
      quantity: l.quantity,
      unitPrice: { amount: l.unitAmount, currency: 'EUR' },
      lineTotal: { amount: l.unitAmount * l.quantity, currency: 'EUR' },
    })),
    total: { amount: lines.reduce((sum, l) => sum + l.unitAmount * l.quantity, 0), currency: 'EUR' },
    createdAt: at,
    updatedAt: at,
  };
  const created = await orders.createOnce(order, { idempotencyKey: `direct-${order.orderId}`, requestHash: 'direct' });
  if (!created.created) throw new Error(`Order ${order.orderId} already existed`);
  return order;
}

/**
 * A paid, CONFIRMED order built in the tables exactly as the saga leaves one (order created, stock reserved then
 * committed, a real PaymentIntent confirmed with pm_card_visa at the Stripe stand-in), without an execution: so a
 * test can act on it before the fulfilment hand-off would move it on.
 */
export async function paidConfirmedOrder(
  deps: { orders: DynamoDbOrderRepository; ledger: DynamoDbStockLedger; stripe: Stripe },
  line: ProbeSku & { customerId: string; quantity: number },
): Promise<{ order: StoredOrder; paymentIntentId: string }> {
  const order = await pendingOrder(deps.orders, line.customerId, [line]);
  const at = new Date().toISOString();
  const reserved = await deps.ledger.reserve(order.orderId, [{ sku: line.sku, quantity: line.quantity }], new Date(Date.now() + 600_000).toISOString(), at);
  if (reserved.outcome !== 'reserved') throw new Error(`Could not reserve ${line.sku}: ${reserved.outcome}`);
  const intent = await deps.stripe.paymentIntents.create({ amount: order.total.amount, currency: 'eur', metadata: { orderId: order.orderId } });
  await deps.orders.attachPayment(order.orderId, { provider: 'stripe', paymentIntentId: intent.id, status: intent.status }, at);
  // No execution waits on this token; the webhook's answer to it is refused and ignored.
  await deps.orders.awaitPayment(order.orderId, 'no-execution-waits', at);
  await deps.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
  const committed = await deps.ledger.commit(order.orderId, new Date().toISOString());
  if (committed !== 'committed') throw new Error(`Could not commit ${order.orderId}: ${committed}`);
  return { order, paymentIntentId: intent.id };
}
