import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAuditLog } from '../../shared/adapters/dynamodb-audit-log';
import { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import { DynamoDbPaymentEventLedger } from '../../shared/adapters/dynamodb-payment-event-ledger';
import { DynamoDbPaymentRecords } from '../../shared/adapters/dynamodb-payment-records';
import { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import { requiredEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';

/**
 * DynamoDB adapter factories (one client) for the order saga and the handlers around it. Each handler calls the ones it needs at
 * module scope (once per cold start), so a function only reads the environment it was bound to. Stripe, Step
 * Functions and SQS live in their own modules (payment-deps, workflow-deps, event-deps): a bundle carries only the
 * SDKs its handler imports.
 */
const dynamodb = new DynamoDBClient({});

export const now = () => new Date();
export const orderRepository = () => new DynamoDbOrderRepository(dynamodb, requiredEnv(ENV.ORDERS_TABLE));
export const stockLedger = () => new DynamoDbStockLedger(dynamodb, requiredEnv(ENV.CATALOG_TABLE), requiredEnv(ENV.ORDERS_TABLE));
export const paymentEventLedger = () => new DynamoDbPaymentEventLedger(dynamodb, requiredEnv(ENV.PAYMENTS_TABLE));
export const paymentRecords = () => new DynamoDbPaymentRecords(dynamodb, requiredEnv(ENV.PAYMENTS_TABLE));
export const auditLog = () => new DynamoDbAuditLog(dynamodb, requiredEnv(ENV.AUDIT_TABLE));
