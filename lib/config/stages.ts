import * as z from '../../shared/validation/zod';
import { STAGES, type Stage, type StageConfig, StageConfigSchema } from './stage-config';

type StageDefaults = Omit<StageConfig, 'stage' | 'env'>;

/**
 * The repository whose workflows deploy Stockade. Set it to yours before deploying any DeployAccess stack: the deploy
 * roles trust exactly this repository (docs/operations.md, "From a new account to a pipeline-deployed prod").
 */
const GITHUB_REPOSITORY = 'stockade-commerce/stockade';

/**
 * Where each stage's alarms go, per severity: `page` (someone now: PagerDuty's or Opsgenie's CloudWatch integration
 * URL, an on-call address) and `ticket` (every alarm: a team address or a ticketing endpoint). Set yours before
 * deploying staging or prod: their synthesis fails while a severity has no destination (docs/operations.md, "Alarm
 * destinations and placeholders").
 */
const ALARM_DESTINATIONS: Record<Stage, Pick<StageDefaults['alarms'], 'page' | 'ticket'>> = {
  dev: { page: { emails: [], httpsEndpoints: [] }, ticket: { emails: [], httpsEndpoints: [] } },
  staging: { page: { emails: [], httpsEndpoints: [] }, ticket: { emails: [], httpsEndpoints: [] } },
  prod: { page: { emails: [], httpsEndpoints: [] }, ticket: { emails: [], httpsEndpoints: [] } },
};

/** The EU, where standard shipping is priced as domestic. */
const EU = ['AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK']; // prettier-ignore

/**
 * The shipping options of every stage (amounts in minor units of EUR, the demo catalog's currency): standard is free
 * from 50.00 EUR of items, and priced by zone (EU, the rest of Europe, the world); express is a flat 14.90 EUR.
 * Replace with your carriers' rates before going live.
 */
const SHIPPING: StageDefaults['shipping'] = {
  defaultOption: 'standard',
  options: [
    {
      id: 'standard',
      label: 'Standard (3-5 working days)',
      currency: 'EUR',
      rate: {
        kind: 'zone',
        zones: [
          { name: 'EU', countries: EU, amount: 490 },
          { name: 'Europe', countries: ['CH', 'GB', 'IS', 'LI', 'NO'], amount: 990 },
        ],
        otherwise: 1990,
      },
      freeFrom: 5_000,
    },
    { id: 'express', label: 'Express (next working day)', currency: 'EUR', rate: { kind: 'flat', amount: 1_490 } },
  ],
};

/** The per-stage settings. Change them here; `npm test` snapshots the resolved result per stage. */
export const STAGE_DEFAULTS: Record<Stage, StageDefaults> = {
  dev: {
    removalPolicy: 'destroy',
    logRetentionDays: 14,
    logLevel: 'DEBUG',
    api: { throttleRateLimit: 50, throttleBurstLimit: 100, maxBodyBytes: 16_384, corsAllowOrigins: ['http://localhost:3000'] },
    waf: { rateLimitPer5Min: 2_000, sensitiveRateLimitPer5Min: 300 },
    admin: { allowedCidrs: ['127.0.0.1/32', '10.0.0.0/8'] },
    alarms: { ...ALARM_DESTINATIONS.dev, apiLatencyP99Ms: 3_000, webhookSignatureFailuresPer5Minutes: 50 },
    auth: { threatProtection: 'off', accessTokenMinutes: 15, refreshTokenDays: 30, requireSourceIp: true },
    audit: { shards: 4, verifyEveryMinutes: 15 },
    privacy: { retentionDays: 30, exportIntervalMinutes: 60, erasureMaxAttempts: 30, erasureRetryMaxSeconds: 30 },
    switches: { cacheSeconds: 5 },
    catalogCache: { maxAgeSeconds: 10, staleWhileRevalidateSeconds: 10 },
    cdn: { enabled: false, priceClass: 'PriceClass_100' },
    checkout: { holdMinutes: 15, sweepGraceMinutes: 5 },
    orders: { statusShards: 4 },
    shipping: SHIPPING,
    fulfilment: { apiUrl: 'https://fulfilment.example.com/api/' },
    payments: {
      secretCacheSeconds: 60,
      reconciliation: {
        everyMinutes: 60,
        windowHours: 72,
        stuckAfterMinutes: 30,
        remedies: ['cancel-orphaned-payment-intent', 'apply-missed-payment-outcome', 'refund-paid-without-order'],
      },
    },
    release: { trafficShift: 'AllAtOnce' },
    secrets: { inventoryRotationDays: 30, inventoryGraceHours: 24 },
    inventoryProviders: ['acme-warehouse', 'north-supply'],
    github: { repository: GITHUB_REPOSITORY, oidcProvider: 'create' },
  },
  staging: {
    removalPolicy: 'retain',
    logRetentionDays: 30,
    logLevel: 'INFO',
    api: { throttleRateLimit: 200, throttleBurstLimit: 400, maxBodyBytes: 16_384, corsAllowOrigins: ['https://staging.shop.example.com'] },
    waf: { rateLimitPer5Min: 3_000, sensitiveRateLimitPer5Min: 500 },
    admin: { allowedCidrs: ['10.0.0.0/8'] },
    alarms: { ...ALARM_DESTINATIONS.staging, apiLatencyP99Ms: 3_000, webhookSignatureFailuresPer5Minutes: 25 },
    // Staging's Stripe is in test mode: the canary pays with a test card every five minutes.
    synthetics: { everyMinutes: 5, mode: 'purchase' },
    auth: { threatProtection: 'audit', accessTokenMinutes: 15, refreshTokenDays: 30, requireSourceIp: true },
    audit: { shards: 8, verifyEveryMinutes: 60, backupRetentionDays: 35 },
    privacy: { retentionDays: 365, exportIntervalMinutes: 60, erasureMaxAttempts: 100, erasureRetryMaxSeconds: 900 },
    switches: { cacheSeconds: 30 },
    catalogCache: { maxAgeSeconds: 30, staleWhileRevalidateSeconds: 30 },
    cdn: { enabled: true, priceClass: 'PriceClass_100' },
    checkout: { holdMinutes: 15, sweepGraceMinutes: 5 },
    orders: { statusShards: 16 },
    shipping: SHIPPING,
    fulfilment: { apiUrl: 'https://fulfilment.example.com/api/' },
    payments: {
      secretCacheSeconds: 60,
      reconciliation: {
        everyMinutes: 60,
        windowHours: 72,
        stuckAfterMinutes: 30,
        remedies: ['cancel-orphaned-payment-intent', 'apply-missed-payment-outcome', 'refund-paid-without-order'],
      },
    },
    release: { trafficShift: 'Linear10PercentEvery1Minute' },
    secrets: { inventoryRotationDays: 30, inventoryGraceHours: 24 },
    inventoryProviders: ['acme-warehouse'],
    github: { repository: GITHUB_REPOSITORY, oidcProvider: 'create' },
  },
  prod: {
    removalPolicy: 'retain',
    logRetentionDays: 365,
    logLevel: 'INFO',
    api: { throttleRateLimit: 1_000, throttleBurstLimit: 2_000, maxBodyBytes: 16_384, corsAllowOrigins: ['https://shop.example.com'] },
    waf: { rateLimitPer5Min: 5_000, sensitiveRateLimitPer5Min: 1_000 },
    admin: { allowedCidrs: ['10.0.0.0/8'] },
    alarms: { ...ALARM_DESTINATIONS.prod, apiLatencyP99Ms: 3_000, webhookSignatureFailuresPer5Minutes: 25 },
    // Prod's Stripe is live: the canary checks out and cancels, so no money moves and the stock goes back.
    synthetics: { everyMinutes: 5, mode: 'checkout-and-cancel' },
    auth: { threatProtection: 'enforced', accessTokenMinutes: 15, refreshTokenDays: 30, requireSourceIp: true },
    // Ten years: the retention accounting records need (issue 15); the vault lock holds every copy that long.
    audit: { shards: 16, verifyEveryMinutes: 60, backupRetentionDays: 3_653 },
    // Ten years, like the audit trail: the pseudonymised orders and payments are accounting records.
    privacy: { retentionDays: 3_653, exportIntervalMinutes: 60, erasureMaxAttempts: 100, erasureRetryMaxSeconds: 900 },
    switches: { cacheSeconds: 30 },
    catalogCache: { maxAgeSeconds: 30, staleWhileRevalidateSeconds: 30 },
    cdn: { enabled: true, priceClass: 'PriceClass_All' },
    checkout: { holdMinutes: 15, sweepGraceMinutes: 5 },
    // 64 x 1,000 WCU/s / 6 WCU per order (AWAITING_PAYMENT): room for about 10,000 orders/s (issue 12).
    orders: { statusShards: 64 },
    shipping: SHIPPING,
    fulfilment: { apiUrl: 'https://fulfilment.example.com/api/' },
    payments: {
      secretCacheSeconds: 60,
      reconciliation: {
        everyMinutes: 60,
        windowHours: 72,
        stuckAfterMinutes: 30,
        remedies: ['cancel-orphaned-payment-intent', 'apply-missed-payment-outcome'],
      },
    },
    release: { trafficShift: 'Canary10Percent5Minutes' },
    secrets: { inventoryRotationDays: 30, inventoryGraceHours: 24 },
    inventoryProviders: ['acme-warehouse'],
    github: { repository: GITHUB_REPOSITORY, oidcProvider: 'create' },
  },
};

export interface ResolveStageInput {
  stage: unknown;
  account?: string | undefined;
  region?: string | undefined;
  /** Partial overrides (for example from `-c adminCidrs=…`), validated like the defaults. */
  overrides?: Partial<StageDefaults>;
}

/** Resolves and validates one stage's configuration; throws with every invalid path listed. */
export function resolveStageConfig(input: ResolveStageInput): StageConfig {
  const stage = z.enum(STAGES).safeParse(input.stage ?? 'dev');
  if (!stage.success) {
    throw new Error(`Unknown stage "${String(input.stage)}": use one of ${STAGES.join(', ')} (-c stage=…)`);
  }
  const candidate = {
    stage: stage.data,
    env: { account: input.account, region: input.region },
    ...STAGE_DEFAULTS[stage.data],
    ...input.overrides,
  };
  const parsed = StageConfigSchema.safeParse(candidate);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid configuration for stage "${stage.data}":\n${lines.join('\n')}`);
  }
  return parsed.data;
}
