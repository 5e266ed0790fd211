import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { OrderLine, OrderStatus, StoredVendorOrder } from '../domain/model/order';
import type { ListPosition, PositionedPage } from '../ports/cursor-codec';
import type { VendorOrderRepository } from '../ports/vendor-order-repository';
import { batchGetItems } from './dynamodb-batch-get';
import { orderKey, toVendorShipping } from './dynamodb-order-items';

/**
 * The vendor views of the orders table (docs/data-model.md): the byVendor index lists a vendor's views newest first,
 * and the orders' status and last change are read beside them with a projection that leaves out everything else of
 * the order (the customer and their e-mail, the other vendors' lines, the payment, the shipping charge): of the shipping, only `shipTo` (address and option). Apart from DynamoDbOrderRepository so that only
 * the vendor listing bundles the batch read's retry policy (cockatiel).
 */
export class DynamoDbVendorOrderRepository implements VendorOrderRepository {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async listByVendor(vendorId: string, query: { limit: number; after?: ListPosition }): Promise<PositionedPage<StoredVendorOrder>> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byVendor',
        KeyConditionExpression: 'gsi3pk = :vendor',
        ExpressionAttributeValues: marshall({ ':vendor': `VENDOR#${vendorId}` }),
        ScanIndexForward: false,
        Limit: query.limit,
        ...(query.after ? { ExclusiveStartKey: marshall(query.after) } : {}),
      }),
    );
    const views = (page.Items ?? []).map((i) => unmarshall(i));
    const orderIds = views.map((v) => String(v.orderId));
    const orders = new Map(
      (await batchGetItems(this.client, this.tableName, orderIds.map(orderKey), { projection: ['orderId', 'status', 'updatedAt', 'shipTo'] })).map((o) => [
        String(o.orderId),
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
    const next = page.LastEvaluatedKey ? Object.fromEntries(Object.entries(unmarshall(page.LastEvaluatedKey)).map(([k, v]) => [k, String(v)])) : undefined;
    return { items, ...(next ? { next } : {}) };
  }
}
