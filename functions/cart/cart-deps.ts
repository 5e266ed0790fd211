import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbCartRepository } from '../../shared/adapters/dynamodb-cart-repository';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { requiredEnv } from '../../shared/config/env';
import type { CartDeps } from '../../shared/domain/cart/cart';
import { ENV } from '../../shared/config/env-names';

const client = new DynamoDBClient({});

/** The cart handlers' adapters, created once per cold start. */
export const cartDeps: CartDeps = {
  carts: new DynamoDbCartRepository(client, requiredEnv(ENV.ORDERS_TABLE)),
  catalog: new DynamoDbCatalogRepository(client, requiredEnv(ENV.CATALOG_TABLE)),
  now: () => new Date(),
};
