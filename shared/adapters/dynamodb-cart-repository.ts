import { ConditionalCheckFailedException, DeleteItemCommand, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CartRepository, StoredCart } from '../ports/cart-repository';

const cartKey = (customerId: string) => ({ pk: `CART#${customerId}`, sk: 'CART' });

/** Carts in the orders table (docs/data-model.md): one item per customer, versioned, removed by TTL (expiresAt). */
export class DynamoDbCartRepository implements CartRepository {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(customerId: string): Promise<StoredCart | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(cartKey(customerId)), ConsistentRead: true }));
    if (!Item) return undefined;
    const item = unmarshall(Item);
    // An expired cart may linger until TTL deletes it; it is gone for the customer from the moment it expires.
    if (Number(item.expiresAt) * 1000 < Date.now()) return undefined;
    return {
      customerId,
      lines: (item.lines as StoredCart['lines']) ?? [],
      version: Number(item.version),
      updatedAt: String(item.updatedAt),
      expiresAt: Number(item.expiresAt),
    };
  }

  async save(cart: StoredCart, expectedVersion: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({
            ...cartKey(cart.customerId),
            entity: 'cart',
            lines: cart.lines.map((l) => ({ ...l })),
            version: cart.version,
            updatedAt: cart.updatedAt,
            expiresAt: cart.expiresAt,
          }),
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk) OR expiresAt < :now' : 'version = :expected',
          ExpressionAttributeValues: marshall(expectedVersion === 0 ? { ':now': Math.floor(Date.now() / 1000) } : { ':expected': expectedVersion }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async delete(customerId: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: marshall(cartKey(customerId)) }));
  }
}
