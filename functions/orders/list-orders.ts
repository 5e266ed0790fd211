import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import { cursorCodecFromSecret } from '../../shared/adapters/hmac-cursor-codec';
import { requiredEnv } from '../../shared/config/env';
import { listOrders } from '../../shared/domain/orders/queries';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { ListQuerySchema } from '../../shared/schemas/audit';
import { ENV } from '../../shared/config/env-names';

const deps = {
  orders: new DynamoDbOrderRepository(new DynamoDBClient({}), requiredEnv(ENV.ORDERS_TABLE)),
  cursors: cursorCodecFromSecret(requiredEnv(ENV.CURSOR_KEY_SECRET_ARN)),
};

/** GET /orders: the caller's orders, newest first, with a cursor only valid for them. */
export const handler = httpHandler({ query: ListQuerySchema }, async ({ query, event }) => ({
  status: 200,
  body: await listOrders(deps, principalOf(event).sub, query),
  headers: { 'Cache-Control': 'no-store' },
}));
