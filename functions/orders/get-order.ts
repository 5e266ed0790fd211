import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import { requiredEnv } from '../../shared/config/env';
import { getOrder } from '../../shared/domain/orders/queries';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { OrderIdPathSchema } from '../../shared/schemas/orders';

const deps = { orders: new DynamoDbOrderRepository(new DynamoDBClient({}), requiredEnv('ORDERS_TABLE')) };

/** GET /orders/{orderId}: the caller's own order; anyone else's is 404. */
export const handler = httpHandler({ path: OrderIdPathSchema }, async ({ path, event }) => ({
  status: 200,
  body: await getOrder(deps, principalOf(event).sub, path.orderId),
  headers: { 'Cache-Control': 'no-store' },
}));
