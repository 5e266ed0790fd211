import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { cursorCodecFromSecret, type HmacCursorCodec } from '../../shared/adapters/hmac-cursor-codec';
import { requiredEnv } from '../../shared/config/env';
import type { CatalogDeps } from '../../shared/domain/catalog/catalog';
import { ENV } from '../../shared/config/env-names';

/** The catalog handlers' adapters, created once per cold start. */
export const catalog: CatalogDeps = {
  repository: new DynamoDbCatalogRepository(new DynamoDBClient({}), requiredEnv(ENV.CATALOG_TABLE)),
  now: () => new Date(),
  newId: () => ulid(),
};

/** Cursor signing, for the listing handler only; the key is re-read at most every 5 minutes (rotation). */
export function cursorCodec(): HmacCursorCodec {
  return cursorCodecFromSecret(requiredEnv(ENV.CURSOR_KEY_SECRET_ARN));
}
