import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAddressBook } from '../../shared/adapters/dynamodb-address-book';
import { DynamoDbAuditHistory } from '../../shared/adapters/dynamodb-audit-history';
import { DynamoDbAuditChainStore, DynamoDbAuditLog, DynamoDbDenialMarks } from '../../shared/adapters/dynamodb-audit-log';
import { retryTransactionConflicts } from '../../shared/adapters/dynamodb-conflict-retry';
import { DynamoDbCartRepository } from '../../shared/adapters/dynamodb-cart-repository';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { DynamoDbInventoryLedger } from '../../shared/adapters/dynamodb-inventory-ledger';
import { DynamoDbInventoryQuarantine } from '../../shared/adapters/dynamodb-inventory-quarantine';
import { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import { DynamoDbPaymentEventLedger } from '../../shared/adapters/dynamodb-payment-event-ledger';
import { DynamoDbPaymentRecordLookup } from '../../shared/adapters/dynamodb-payment-record-lookup';
import { DynamoDbPaymentRecords } from '../../shared/adapters/dynamodb-payment-records';
import { DynamoDbPersonalDataStore } from '../../shared/adapters/dynamodb-personal-data';
import { DynamoDbProviderCircuits, DynamoDbProviderHealth } from '../../shared/adapters/dynamodb-provider-circuits';
import { DynamoDbReconciliationReports } from '../../shared/adapters/dynamodb-reconciliation-reports';
import { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import { DynamoDbStockNotificationOutbox } from '../../shared/adapters/dynamodb-stock-notification-outbox';
import { DynamoDbVendorOrderRepository } from '../../shared/adapters/dynamodb-vendor-order-repository';
import { optionalEnv, requiredEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { once } from './once';

/**
 * Every DynamoDB adapter, each bound to the table its environment variable names (set, with the grant, by the stack's
 * bind helper). One client per function; a function only reads the variables of the adapters it builds.
 */
// Its retry strategy also retries requests that lost to a concurrent transaction (dynamodb-conflict-retry.ts).
export const dynamoDbClient = /* @__PURE__ */ once(() => retryTransactionConflicts(new DynamoDBClient({})));

const catalogTable = () => requiredEnv(ENV.CATALOG_TABLE);
const ordersTable = () => requiredEnv(ENV.ORDERS_TABLE);
const paymentsTable = () => requiredEnv(ENV.PAYMENTS_TABLE);
// The byStatus index's shard count comes with the orders table (lib/constructs/orders-table.ts): every writer of an
// order's status and every reader of the index agree on it.
const orderStatusShards = () => Number(requiredEnv(ENV.ORDER_STATUS_SHARDS));

export const catalogRepository = () => new DynamoDbCatalogRepository(dynamoDbClient(), catalogTable());
export const stockLedger = () => new DynamoDbStockLedger(dynamoDbClient(), catalogTable(), ordersTable(), orderStatusShards());
export const inventoryLedger = () => new DynamoDbInventoryLedger(dynamoDbClient(), catalogTable());
export const inventoryQuarantine = () => new DynamoDbInventoryQuarantine(dynamoDbClient(), catalogTable());
export const providerHealth = () => new DynamoDbProviderHealth(dynamoDbClient(), catalogTable());
export const providerCircuits = () => new DynamoDbProviderCircuits(dynamoDbClient(), catalogTable());
export const stockNotificationOutbox = () => new DynamoDbStockNotificationOutbox(dynamoDbClient(), catalogTable());
export const cartRepository = () => new DynamoDbCartRepository(dynamoDbClient(), ordersTable());
export const addressBook = () => new DynamoDbAddressBook(dynamoDbClient(), ordersTable());
export const orderRepository = () => new DynamoDbOrderRepository(dynamoDbClient(), ordersTable(), orderStatusShards());
export const vendorOrderRepository = () => new DynamoDbVendorOrderRepository(dynamoDbClient(), ordersTable(), orderStatusShards());
export const paymentEventLedger = () => new DynamoDbPaymentEventLedger(dynamoDbClient(), paymentsTable());
export const paymentRecords = () => new DynamoDbPaymentRecords(dynamoDbClient(), paymentsTable());
export const paymentRecordLookup = () => new DynamoDbPaymentRecordLookup(dynamoDbClient(), paymentsTable());
export const reconciliationReports = () => new DynamoDbReconciliationReports(dynamoDbClient(), paymentsTable());
// The audit trail's shard count comes with its table (lib/constructs/audit-trail.ts): writers, the listing and the verifier agree on it.
const auditShards = () => Number(requiredEnv(ENV.AUDIT_SHARDS));
export const auditLog = () => new DynamoDbAuditLog(dynamoDbClient(), requiredEnv(ENV.AUDIT_TABLE), auditShards());
/** The authorizer's once-per-caller-and-minute marks of audited denials, in the audit table. */
export const denialMarks = () => new DynamoDbDenialMarks(dynamoDbClient(), requiredEnv(ENV.AUDIT_TABLE));
export const auditChains = () => new DynamoDbAuditChainStore(dynamoDbClient(), requiredEnv(ENV.AUDIT_TABLE), auditShards());
/** Export allowances and erasure in the orders table (and the payments table, when the function is bound to it). */
export const personalDataStore = () => {
  const payments = optionalEnv(ENV.PAYMENTS_TABLE, '');
  return new DynamoDbPersonalDataStore(dynamoDbClient(), { orders: ordersTable(), ...(payments ? { payments } : {}) });
};
/** An actor's audit events through the byActor index (the export). */
export const auditHistory = () => new DynamoDbAuditHistory(dynamoDbClient(), requiredEnv(ENV.AUDIT_TABLE));
