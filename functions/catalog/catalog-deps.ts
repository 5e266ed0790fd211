import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { HmacCursorCodec } from '../../shared/adapters/hmac-cursor-codec';
import { requiredEnv } from '../../shared/config/env';
import type { CatalogDeps } from '../../shared/domain/catalog/catalog';

/** The catalog handlers' adapters, created once per cold start. */
export const catalog: CatalogDeps = {
  repository: new DynamoDbCatalogRepository(new DynamoDBClient({}), requiredEnv('CATALOG_TABLE')),
  now: () => new Date(),
  newId: () => ulid(),
};

/** Cursor signing, for the listing handler only; the key is re-read at most every 5 minutes (rotation). */
export function cursorCodec(): HmacCursorCodec {
  const secretArn = requiredEnv('CURSOR_KEY_SECRET_ARN');
  return new HmacCursorCodec(async () => {
    const key = await getSecret(secretArn, { maxAge: 300 });
    if (typeof key !== 'string' || key.length < 32) throw new Error('The cursor signing key is missing or too short');
    return key;
  });
}
