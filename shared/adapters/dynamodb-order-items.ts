import { TransactionCanceledException, type Update } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { OrderLine, OrderStatus, PaymentOutcome, StoredOrder, VendorShipping } from '../domain/model/order';
import type { ShippingAddress } from '../domain/model/shipping';
import { TransientError } from '../domain/orders/saga-errors';
import type { OrderTransition } from '../ports/order-repository';

/**
 * The order items of the orders table (docs/data-model.md), shared by the order repository and the stock ledger,
 * whose transactions move an order's status together with its stock.
 */
export const orderKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'ORDER' });

/** The order id of an order item's (or its index entry's) partition key, `ORDER#<orderId>`: the item keeps it nowhere else. */
export const orderIdOf = (pk: unknown) => String(pk).slice('ORDER#'.length);

/** The most shards the byStatus index's keys may have (the stage config's bound). */
export const MAX_STATUS_SHARDS = 64;

/** The shard count, checked: a whole number from 1 to MAX_STATUS_SHARDS. */
export function checkedStatusShards(shards: number): number {
  if (!Number.isSafeInteger(shards) || shards < 1 || shards > MAX_STATUS_SHARDS)
    throw new Error(`The byStatus index needs 1 to ${MAX_STATUS_SHARDS} shards, not ${shards}`);
  return shards;
}

/**
 * The byStatus shard of an order: the 32-bit FNV-1a hash of its id's UTF-8 bytes, mod `shards`. It depends on
 * nothing but the id and N, so every writer of an order (repository, stock ledger, any instance, any release) puts it
 * on the same shard, and orders spread evenly over the N shards. Under a smaller N an order's shard is below that N,
 * so it is also below any larger one: raising N keeps every entry inside the shards readers fan out over.
 */
export function statusShardOf(orderId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(orderId, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash % shards;
}

/** The byStatus partition key of one shard of a status (docs/data-model.md, "Orders"). */
export const statusShardKey = (status: OrderStatus, shard: number) => `STATUS#${status}#${shard}`;

/**
 * Statuses indexed under another's keys: a RESERVED order stays on its PENDING key. An order is RESERVED for the
 * moment between ReserveStock and CreatePaymentIntent, so the move PENDING -> RESERVED moved an index entry (four
 * write units inside the reservation's transaction) for a state that lasts milliseconds; sharing the key makes that
 * change write nothing to the index (KEYS_ONLY: `status` is not projected). A listing of either reads the shared key
 * and keeps the orders in its status, among few others: orders leave both within a second, stuck ones aside.
 */
const INDEXED_UNDER: Readonly<Partial<Record<OrderStatus, OrderStatus>>> = { RESERVED: 'PENDING' };

/** The status whose byStatus keys an order in `status` is indexed under. */
export const indexedStatus = (status: OrderStatus): OrderStatus => INDEXED_UNDER[status] ?? status;

/** The byStatus partition key an order in `status` is indexed under. */
export const statusKeyOf = (status: OrderStatus, orderId: string, shards: number) => statusShardKey(indexedStatus(status), statusShardOf(orderId, shards));

/**
 * The byStatus partition keys of one shard that a listing of `status` reads: the key its orders are indexed under,
 * and for a status indexed under another's, its own key too, where orders indexed before 2026-12-06 still are.
 */
export function statusKeysToRead(status: OrderStatus, shard: number): string[] {
  const indexed = indexedStatus(status);
  return indexed === status ? [statusShardKey(status, shard)] : [statusShardKey(indexed, shard), statusShardKey(status, shard)];
}

/**
 * The order item; `statusShards`: the byStatus index's shard count. It holds nothing twice, because its size is paid
 * on every write of the order (about ten, most of them inside transactions, at 1 unit per started KB, doubled in a
 * transaction) and a one-line order's item is near 1 KB: the order id is its key's (`ORDER#<orderId>`), and a line
 * keeps its unit amount, its total and currency following from it and the order's (storedLine). Items written before
 * 2026-12-06 also carry `orderId` and lines in full; toOrder reads both.
 */
export function orderItem(order: StoredOrder, statusShards: number): Record<string, unknown> {
  const sortKey = `${order.createdAt}#${order.orderId}`;
  return {
    ...orderKey(order.orderId),
    entity: 'order',
    gsi1pk: `CUSTOMER#${order.customerId}`,
    gsi1sk: sortKey,
    gsi2pk: statusKeyOf(order.status, order.orderId, statusShards),
    gsi2sk: sortKey,
    customerId: order.customerId,
    status: order.status,
    lines: order.lines.map((line) => storedLine(line, order.total.currency)),
    totalAmount: order.total.amount,
    currency: order.total.currency,
    // Absent when checkout creates the order; attachPayment and the saga set these fields on the item later.
    ...(order.payment
      ? {
          paymentIntentId: order.payment.paymentIntentId,
          paymentStatus: order.payment.status,
          ...(order.payment.clientSecret ? { paymentClientSecret: order.payment.clientSecret } : {}),
        }
      : {}),
    ...(order.fulfilmentReference ? { fulfilmentReference: order.fulfilmentReference } : {}),
    // Where and how it ships apart from the contact e-mail and the charge, so the vendor views read only `shipTo`.
    ...(order.shipping
      ? {
          shipTo: { address: order.shipping.address, option: order.shipping.option },
          contactEmail: order.shipping.email,
          shippingAmount: order.shipping.amount.amount,
        }
      : {}),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

/** The order item's `shipTo` (address and option), as a vendor's view reads it. */
export function toVendorShipping(shipTo: unknown): VendorShipping | undefined {
  if (!shipTo || typeof shipTo !== 'object') return undefined;
  const { address, option } = shipTo as { address?: ShippingAddress; option?: VendorShipping['option'] };
  return address && option ? { address, option } : undefined;
}

/**
 * The byVendor partition key of one shard of a vendor's views: the order's status shard (statusShardOf, the same N), so
 * a vendor's orders spread like the status keys do (a single-vendor shop puts every order on its vendor).
 */
export const vendorShardKey = (vendorId: string, shard: number) => `VENDOR#${vendorId}#${shard}`;

/** The byVendor partition key of a vendor view written before the index was sharded (read, never written). */
export const unshardedVendorKey = (vendorId: string) => `VENDOR#${vendorId}`;

/** Each vendor's own lines of the order, for GET /vendor/orders; `statusShards`: the orders' shard count. */
export function vendorViewItems(order: StoredOrder, statusShards: number): Array<Record<string, unknown>> {
  const byVendor = new Map<string, OrderLine[]>();
  for (const line of order.lines) byVendor.set(line.vendorId, [...(byVendor.get(line.vendorId) ?? []), line]);
  const shard = statusShardOf(order.orderId, statusShards);
  return [...byVendor].map(([vendorId, lines]) => ({
    pk: `ORDER#${order.orderId}`,
    sk: `VENDOR#${vendorId}`,
    entity: 'vendor-order',
    gsi3pk: vendorShardKey(vendorId, shard),
    gsi3sk: `${order.createdAt}#${order.orderId}`,
    orderId: order.orderId,
    vendorId,
    lines,
    createdAt: order.createdAt,
  }));
}

/**
 * One entry of the order item's `history` (docs/data-model.md, "Orders"): when the order moved, and to which status.
 * The list holds the moves after checkout, oldest first (the order was PENDING at its `createdAt`).
 */
export const historyEntry = (at: string, status: OrderStatus) => `${at} ${status}`;

/** An order line as the order item keeps it: the unit amount, with the line's total and currency only where they do not follow from it and the order's currency. */
interface StoredLine extends Omit<OrderLine, 'unitPrice' | 'lineTotal'> {
  readonly unitAmount: number;
  readonly lineAmount?: number;
  readonly currency?: string;
}

export function storedLine(line: OrderLine, orderCurrency: string): StoredLine {
  const { unitPrice, lineTotal, ...rest } = line;
  return {
    ...rest,
    unitAmount: unitPrice.amount,
    ...(lineTotal.amount !== unitPrice.amount * line.quantity ? { lineAmount: lineTotal.amount } : {}),
    ...(unitPrice.currency !== orderCurrency || lineTotal.currency !== orderCurrency ? { currency: unitPrice.currency } : {}),
  };
}

/** A line of the order item, as storedLine keeps it or in full (as written before 2026-12-06). */
export function lineOf(stored: unknown, orderCurrency: string): OrderLine {
  const line = stored as Partial<StoredLine> & Partial<OrderLine>;
  if (line.unitPrice && line.lineTotal) return line as OrderLine;
  const { unitAmount = 0, lineAmount, currency = orderCurrency, ...rest } = line;
  const quantity = Number(rest.quantity);
  return {
    ...(rest as Omit<OrderLine, 'unitPrice' | 'lineTotal'>),
    unitPrice: { amount: unitAmount, currency },
    lineTotal: { amount: lineAmount ?? unitAmount * quantity, currency },
  };
}

export function toOrder(i: Record<string, unknown>): StoredOrder {
  const currency = String(i.currency);
  return {
    orderId: typeof i.orderId === 'string' ? i.orderId : orderIdOf(i.pk),
    customerId: String(i.customerId),
    status: i.status as OrderStatus,
    lines: ((i.lines as unknown[] | undefined) ?? []).map((line) => lineOf(line, currency)),
    total: { amount: Number(i.totalAmount), currency },
    ...(typeof i.paymentIntentId === 'string'
      ? {
          payment: {
            provider: 'stripe' as const,
            paymentIntentId: i.paymentIntentId,
            status: String(i.paymentStatus ?? 'unknown'),
            ...(typeof i.paymentClientSecret === 'string' ? { clientSecret: i.paymentClientSecret } : {}),
          },
        }
      : {}),
    ...(i.paymentOutcome ? { paymentOutcome: i.paymentOutcome as PaymentOutcome } : {}),
    ...(typeof i.paymentTaskToken === 'string' ? { paymentTaskToken: i.paymentTaskToken } : {}),
    ...(typeof i.failureReason === 'string' ? { failureReason: i.failureReason } : {}),
    ...(typeof i.fulfilmentReference === 'string' ? { fulfilmentReference: i.fulfilmentReference } : {}),
    ...(typeof i.fulfilmentClaimedAt === 'string' ? { fulfilmentClaimedAt: i.fulfilmentClaimedAt } : {}),
    ...(typeof i.refundedAmount === 'number' && i.refundedAmount > 0 ? { refundedAmount: i.refundedAmount } : {}),
    ...shippingOf(i, currency),
    createdAt: String(i.createdAt),
    updatedAt: String(i.updatedAt),
  };
}

function shippingOf(i: Record<string, unknown>, currency: string): Pick<StoredOrder, 'shipping'> {
  const shipTo = toVendorShipping(i.shipTo);
  if (!shipTo || typeof i.contactEmail !== 'string') return {};
  return { shipping: { ...shipTo, email: i.contactEmail, amount: { amount: Number(i.shippingAmount ?? 0), currency } } };
}

/**
 * A guarded status change as one Update of the order item: conditional on its current status (and on `require`, a
 * further condition of the caller's), moving its byStatus entry to the new status's key on the order's shard of
 * `statusShards` (unless every status it may leave is indexed under that key too), and appending the move to its
 * `history`. Leaving AWAITING_PAYMENT drops the task token and the client secret. One item, so a change on its own is
 * a plain UpdateItem; the stock ledger puts it in the transaction that moves the order's stock.
 */
export function orderTransitionUpdate(tableName: string, orderId: string, change: OrderTransition, statusShards: number, require?: string): Update {
  const sets = ['#status = :to', 'updatedAt = :at', '#history = list_append(if_not_exists(#history, :none), :moved)'];
  const values: Record<string, unknown> = { ':to': change.to, ':at': change.at, ':none': [], ':moved': [historyEntry(change.at, change.to)] };
  // The byStatus key is left alone when the order stays under the same one (indexedStatus), so the index is not written.
  if (change.from.some((from) => indexedStatus(from) !== indexedStatus(change.to))) {
    sets.push('gsi2pk = :statusKey');
    values[':statusKey'] = statusKeyOf(change.to, orderId, statusShards);
  }
  change.from.forEach((s, i) => (values[`:from${i}`] = s));
  if (change.failureReason !== undefined) {
    sets.push('failureReason = :reason');
    values[':reason'] = change.failureReason;
  }
  if (change.fulfilmentReference !== undefined) {
    sets.push('fulfilmentReference = :reference');
    values[':reference'] = change.fulfilmentReference;
  }
  if (change.paymentStatus !== undefined) {
    sets.push('paymentStatus = :paymentStatus');
    values[':paymentStatus'] = change.paymentStatus;
  }
  const removes = change.to === 'AWAITING_PAYMENT' ? [] : ['paymentTaskToken', 'paymentClientSecret'];
  const conditions = [require, change.unclaimed ? 'attribute_not_exists(fulfilmentClaimedAt)' : undefined].filter(Boolean);
  return {
    TableName: tableName,
    Key: marshall(orderKey(orderId)),
    UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: `attribute_exists(pk) AND #status IN (${change.from.map((_, i) => `:from${i}`).join(', ')})${conditions.map((c) => ` AND ${c}`).join('')}`,
    ExpressionAttributeNames: { '#status': 'status', '#history': 'history' },
    ExpressionAttributeValues: marshall(values),
  };
}

/** Per-item cancellation codes of a cancelled transaction, or undefined for any other error. */
export function cancellationCodes(error: unknown): string[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
}

/**
 * A transaction that lost to a concurrent one (TransactionConflict) or was throttled: worth retrying, so it
 * becomes a TransientError, which the saga's Retry matches.
 */
export function transientIfContended(error: unknown): unknown {
  const codes = cancellationCodes(error);
  if (codes?.some((c) => c === 'TransactionConflict' || c === 'ThrottlingError' || c === 'ProvisionedThroughputExceeded')) {
    return new TransientError(`The transaction lost to a concurrent one (${codes.join(',')})`);
  }
  const name = (error as { name?: string } | undefined)?.name;
  if (
    name === 'TransactionConflictException' ||
    name === 'TransactionInProgressException' ||
    name === 'ThrottlingException' ||
    name === 'ProvisionedThroughputExceededException'
  ) {
    return new TransientError(`DynamoDB asked to retry (${name})`);
  }
  return error;
}
