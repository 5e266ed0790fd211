import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from '../validation/zod';
import { ValidationError } from '../domain/errors';
import type { OrderLine, OrderStatus, StoredVendorOrder } from '../domain/model/order';
import type { ListPosition, PositionedPage } from '../ports/cursor-codec';
import type { VendorOrderRepository } from '../ports/vendor-order-repository';
import { batchGetItems } from './dynamodb-batch-get';
import { checkedStatusShards, orderIdOf, orderKey, toVendorShipping, unshardedVendorKey, vendorShardKey } from './dynamodb-order-items';
import { newestAcrossShards } from './dynamodb-sharded-index';

/** Where a page of a vendor's views ended: the byVendor sort key of its last entry (`<createdAt>#<orderId>`). */
const VendorPosition = z.object({ gsi3sk: z.string().check(z.minLength(1), z.maxLength(200)) });

/**
 * The vendor views of the orders table (docs/data-model.md): the byVendor index lists a vendor's views newest first,
 * and the orders' status and last change are read beside them with a projection that leaves out everything else of
 * the order (the customer and their e-mail, the other vendors' lines, the payment, the shipping charge): of the shipping, only `shipTo` (address and option). Apart from DynamoDbOrderRepository so that only
 * the vendor listing bundles the batch read's retry policy (cockatiel).
 *
 * A vendor's views are write-sharded like the orders' status keys (`VENDOR#<vendorId>#<shard>`, the order's status
 * shard, `statusShards` of them): a listing reads every shard, and the unsharded key views written before the index
 * was sharded are under, in parallel and merged newest first (newestAcrossShards).
 */
export class DynamoDbVendorOrderRepository implements VendorOrderRepository {
  private readonly statusShards: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    statusShards: number,
  ) {
    this.statusShards = checkedStatusShards(statusShards);
  }

  async listByVendor(vendorId: string, query: { limit: number; after?: ListPosition }): Promise<PositionedPage<StoredVendorOrder>> {
    const page = await newestAcrossShards(this.client, {
      tableName: this.tableName,
      indexName: 'byVendor',
      partitionKey: 'gsi3pk',
      sortKey: 'gsi3sk',
      keys: [...Array.from({ length: this.statusShards }, (_, shard) => vendorShardKey(vendorId, shard)), unshardedVendorKey(vendorId)],
      ...(query.after ? { after: vendorPositionOf(query.after) } : {}),
      limit: query.limit,
    });
    const views = page.entries.map((i) => unmarshall(i));
    const orderIds = views.map((v) => String(v.orderId));
    const orders = new Map(
      (await batchGetItems(this.client, this.tableName, orderIds.map(orderKey), { projection: ['pk', 'status', 'updatedAt', 'shipTo'] })).map((o) => [
        orderIdOf(o.pk),
        o,
      ]),
    );
    const items = views.flatMap((v): StoredVendorOrder[] => {
      const order = orders.get(String(v.orderId));
      if (!order) return [];
      const shipping = toVendorShipping(order.shipTo);
      return [
        {
          orderId: String(v.orderId),
          vendorId: String(v.vendorId),
          status: order.status as OrderStatus,
          lines: (v.lines as OrderLine[] | undefined) ?? [],
          ...(shipping ? { shipping } : {}),
          createdAt: String(v.createdAt),
          updatedAt: String(order.updatedAt),
        },
      ];
    });
    return { items, ...(page.next ? { next: { gsi3sk: page.next } } : {}) };
  }
}

/** The position a cursor of this listing carries (a cursor issued before the index was sharded carries it too). */
function vendorPositionOf(after: ListPosition): string {
  const parsed = VendorPosition.safeParse(after);
  if (!parsed.success)
    throw new ValidationError('The cursor is not one this API issued for this listing', [{ path: 'query.cursor', message: 'invalid cursor' }]);
  return parsed.data.gsi3sk;
}
