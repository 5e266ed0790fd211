import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { requiredEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { dynamoDbClient } from './dynamodb';

/** Powertools idempotency records in the table IDEMPOTENCY_TABLE names (own module: only checkout bundles Powertools idempotency). */
export const idempotencyStore = () => new DynamoDBPersistenceLayer({ tableName: requiredEnv(ENV.IDEMPOTENCY_TABLE), awsSdkV3Client: dynamoDbClient() });
