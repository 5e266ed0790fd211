import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import Stripe from 'stripe';
import type { Endpoints } from '../../local/runtime/local-runtime';

import { localCredentials } from '../../local/aws/credentials';
import { retryTransactionConflicts } from '../../shared/adapters/dynamodb-conflict-retry';

export { localCredentials };

/** The endpoints of the runtime the global setup started. */
export function testEndpoints(): Endpoints {
  const file = process.env.STOCKADE_ENDPOINTS;
  if (!file) throw new Error('STOCKADE_ENDPOINTS is not set: run this test through its jest project (integration or e2e)');
  return JSON.parse(readFileSync(file, 'utf8')) as Endpoints;
}

/** The physical name of the runtime's table whose logical id starts with `prefix` (e.g. 'OrdersTable'). */
export function tableNamed(endpoints: Endpoints, prefix: string): string {
  const logicalId = Object.keys(endpoints.tables).find((k) => k.startsWith(prefix));
  if (!logicalId) throw new Error(`The runtime has no table ${prefix}*`);
  return endpoints.tables[logicalId] as string;
}

/** The URL of the runtime's queue whose logical id starts with `prefix` (e.g. 'PaymentEventsDlq'). */
export function queueNamed(endpoints: Endpoints, prefix: string): string {
  const logicalId = Object.keys(endpoints.queues).find((k) => k.startsWith(prefix));
  if (!logicalId) throw new Error(`The runtime has no queue ${prefix}*`);
  return endpoints.queues[logicalId] as string;
}

/**
 * The real DynamoDB client, pointed at the runtime's DynamoDB Local, built as functions/wiring builds it: a request
 * that lost to a concurrent transaction is retried by the client (dynamodb-conflict-retry.ts). The runtime's own
 * functions (webhook consumers, the saga, the relay) write the same items while a test runs, so an adapter a test
 * drives must meet contention as it does in a function. `conflictRetry: false` gives the SDK's plain client, for
 * tests of how DynamoDB itself answers contention.
 */
export function dynamoDbClient(endpoints: Endpoints, options: { maxAttempts?: number; conflictRetry?: boolean } = {}): DynamoDBClient {
  const { conflictRetry = true, ...config } = options;
  const client = new DynamoDBClient({ endpoint: endpoints.aws.dynamodb, region: endpoints.region, credentials: localCredentials, ...config });
  return conflictRetry ? retryTransactionConflicts(client) : client;
}

/** The official Stripe SDK, pointed at the runtime's Stripe stand-in, as a storefront or operator would use it. */
export function stripeClient(endpoints: Endpoints): Stripe {
  const config = endpoints.stripe;
  if (!config) throw new Error('The runtime has no Stripe stand-in');
  return new Stripe(config.apiKey, { host: config.host, port: config.port, protocol: 'http' });
}
