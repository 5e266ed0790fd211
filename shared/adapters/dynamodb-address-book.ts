import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ShippingAddress } from '../domain/model/shipping';
import type { AddressBook } from '../ports/address-book';

const addressKey = (customerId: string) => ({ pk: `ADDRESS#${customerId}`, sk: 'DEFAULT' });

/** Default shipping addresses in the orders table (docs/data-model.md): one item per customer. */
export class DynamoDbAddressBook implements AddressBook {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(customerId: string): Promise<ShippingAddress | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(addressKey(customerId)), ConsistentRead: true }));
    return Item ? (unmarshall(Item).address as ShippingAddress) : undefined;
  }

  async put(customerId: string, address: ShippingAddress, at: string): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall(
          { ...addressKey(customerId), entity: 'default-address', customerId, address: { ...address }, updatedAt: at },
          { removeUndefinedValues: true },
        ),
      }),
    );
  }
}
