import { integerEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { auditLog, inventoryQuarantine, providerHealth, stockNotificationOutbox } from '../wiring/dynamodb';
import { guardedInventoryProviderApis, inventoryProviderChannels, inventoryProviderSecret, inventoryProviders } from '../wiring/inventory-providers';
import { now } from '../wiring/platform';
import { newSecret, secretVersions } from '../wiring/secrets-manager';
import { inventoryUpdateQueue } from '../wiring/sqs';

/**
 * The inventory area's composition root (provider webhooks and sync, the updates consumer, the outbox relay, the
 * hold sweeper and the provider secrets' rotation): what its handlers are wired with, once per cold start.
 */
export { now } from '../wiring/platform';
export { inventoryLedger, orderRepository, stockLedger } from '../wiring/dynamodb';
export { inventoryRetryBackoff } from '../wiring/sqs';
export { paymentGateway } from '../wiring/stripe';
export { inventoryProviders } from '../wiring/inventory-providers';
/** The mitigation switches this function obeys (outbox-relay-stopped, inventory-webhooks-refused). */
export { switchReader } from '../wiring/switches';

/** POST /webhooks/inventory/{providerId}: the providers, their secrets, and where lines go (queue) or stop (quarantine). */
export const inventoryWebhookDeps = () => ({
  providers: inventoryProviders(),
  secretOf: inventoryProviderSecret(),
  graceHours: integerEnv(ENV.INVENTORY_HMAC_GRACE_HOURS, 24),
  queue: inventoryUpdateQueue(),
  quarantine: inventoryQuarantine(),
  now,
});

/** The full sync's providers (each behind its timeout and retry policy), their circuits' health, and the webhook's queue and quarantine. */
export const stockSyncDeps = () => ({
  providers: inventoryProviders(),
  apis: guardedInventoryProviderApis(),
  health: providerHealth(),
  queue: inventoryUpdateQueue(),
  quarantine: inventoryQuarantine(),
  now,
});

/** The outbox relay: pending notices and the providers' circuits (claimed per run). */
export const stockRelayDeps = () => ({ outbox: stockNotificationOutbox(), now });

/** The providers' channels for one relay run, claimed by `owner` (the invocation) for the run's lease. */
export const stockRelayChannels = (owner: string) => inventoryProviderChannels(owner, relaySettings().leaseSeconds);

/** The outbox relay's claim lease and notices per provider and run. */
export const relaySettings = () => ({ leaseSeconds: integerEnv(ENV.RELAY_LEASE_SECONDS, 90), batchSize: integerEnv(ENV.RELAY_BATCH_SIZE, 25) });

/** The full sync's bound on snapshot pages per provider. */
export const syncSettings = () => ({ maxPages: integerEnv(ENV.SYNC_MAX_PAGES, 500) });

/** The hold sweeper's grace after a hold expires and holds released per run. */
export const sweepSettings = () => ({ graceSeconds: integerEnv(ENV.SWEEP_GRACE_SECONDS, 300), limit: integerEnv(ENV.SWEEP_BATCH_SIZE, 100) });

/** Secrets Manager rotation of the providers' HMAC secrets: secret versions, the clock and 256-bit random secrets. */
/** The rotation function audits each step that changes a secret, as itself (its function name). */
export const secretRotationDeps = () => ({
  secrets: secretVersions(),
  now,
  newSecret,
  audit: auditLog(),
  rotator: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'inventory-secret-rotation',
});
