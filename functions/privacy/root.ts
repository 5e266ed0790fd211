import { randomUUID } from 'node:crypto';
import { integerEnv, requiredEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import type { ErasureDeps } from '../../shared/domain/privacy/erasure';
import type { ExportDeps } from '../../shared/domain/privacy/export';
import { customerAccounts } from '../wiring/cognito';
import { addressBook, auditHistory, auditLog, cartRepository, orderRepository, paymentRecords, personalDataStore, stockLedger } from '../wiring/dynamodb';
import { fulfilmentProvider } from '../wiring/fulfilment';
import { now } from '../wiring/platform';
import { erasureRequests } from '../wiring/sqs';
import { waitingSteps } from '../wiring/step-functions';
import { paymentGateway } from '../wiring/stripe';

/**
 * The privacy area's composition root (docs/privacy.md): the export, the erasure requests and the erasure run, each
 * wired once per cold start with only the adapters it names.
 */

/** GET /me/export: every store the customer's data is in, and the stage's export interval. */
export const exportDeps = (): ExportDeps => ({
  accounts: customerAccounts(),
  carts: cartRepository(),
  addresses: addressBook(),
  orders: orderRepository(),
  records: paymentRecords(),
  history: auditHistory(),
  store: personalDataStore(),
  audit: auditLog(),
  now,
  intervalSeconds: integerEnv(ENV.EXPORT_INTERVAL_SECONDS, 3_600),
});

/** DELETE /me and POST /admin/users/{userId}/erasure: the queue and the audit trail; the pseudonym is a random UUID. */
export const erasureRequestDeps = () => ({ requests: erasureRequests(), audit: auditLog(), now, newId: randomUUID });

/** The erasure run: everything it changes, cancels or tells (the queue consumer). */
export const erasureDeps = (): ErasureDeps => {
  const stripe = paymentGateway();
  return {
    accounts: customerAccounts(),
    orders: orderRepository(),
    store: personalDataStore(),
    stock: stockLedger(),
    payments: stripe,
    waits: waitingSteps(),
    paymentCustomers: stripe,
    fulfilment: fulfilmentProvider(),
    audit: auditLog(),
    now,
    retentionDays: Number(requiredEnv(ENV.PRIVACY_RETENTION_DAYS)),
  };
};

/** The longest a waiting erasure request rests between attempts (the stage's `privacy.erasureRetryMaxSeconds`). */
export const erasureRetryMaxSeconds = () => integerEnv(ENV.ERASURE_RETRY_MAX_SECONDS, 900);
