import { isIP } from 'node:net';
import { z } from 'zod';

export const STAGES = ['dev', 'staging', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** Retention periods CloudWatch Logs accepts (RetentionDays values). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const cidr = z.string().refine((value) => {
  const [address, bits, ...rest] = value.split('/');
  if (!address || !bits || rest.length > 0 || !/^\d{1,3}$/.test(bits)) return false;
  const family = isIP(address);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}, 'must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8');

const origin = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}, 'must be an origin such as https://shop.example.com (scheme, host and optional port only)');

/**
 * Everything that differs between stages. Stacks read only this (through their props), never process.env.
 * Validated when the app synthesizes, so a bad value fails `cdk synth` with the path of the offending field.
 */
export const StageConfigSchema = z
  .object({
    stage: z.enum(STAGES),
    /** Account and region come from the standard CDK environment; undefined means environment-agnostic. */
    env: z
      .object({
        account: z
          .string()
          .regex(/^\d{12}$/)
          .optional(),
        region: z.string().min(1).optional(),
      })
      .strict(),
    /** `retain` keeps tables, keys, secrets and log groups when a stack is deleted and turns on deletion protection. */
    removalPolicy: z.enum(['destroy', 'retain']),
    logRetentionDays: z.number().refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `must be one of ${LOG_RETENTION_DAYS.join(', ')}`),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
    api: z
      .object({
        /** Steady-state requests per second across the stage. */
        throttleRateLimit: z.number().int().min(1).max(10_000),
        throttleBurstLimit: z.number().int().min(1).max(5_000),
        /** Largest request body a handler accepts (413 above it). WAF inspects 16 KiB of a body by default. */
        maxBodyBytes: z.number().int().min(1_024).max(16_384),
        corsAllowOrigins: z.array(origin),
      })
      .strict(),
    waf: z
      .object({
        /** Requests per IP per 5-minute window, all routes. */
        rateLimitPer5Min: z.number().int().min(100).max(2_000_000_000),
        /** Requests per IP per 5-minute window on /checkout and /webhooks/*. */
        sensitiveRateLimitPer5Min: z.number().int().min(100).max(2_000_000_000),
      })
      .strict(),
    admin: z
      .object({
        /** Source networks allowed to call /admin routes. Empty means no network may. */
        allowedCidrs: z.array(cidr),
      })
      .strict(),
    alarms: z
      .object({
        email: z.string().email().optional(),
        /** Webhook requests per 5 minutes, per webhook, that may fail signature verification before an alarm (a retry storm of one bad delivery stays below). */
        webhookSignatureFailuresPer5Minutes: z.number().int().min(1).max(1_000_000),
      })
      .strict(),
    auth: z
      .object({
        /**
         * Cognito threat protection for password sign-in: off, audit (metrics only) or enforced (block risky
         * sign-ins). audit and enforced need the PLUS feature plan, which this setting selects.
         */
        threatProtection: z.enum(['off', 'audit', 'enforced']),
        /** Lifetime of access and ID tokens. Short, because access tokens cannot be revoked before expiry. */
        accessTokenMinutes: z.number().int().min(5).max(60),
        refreshTokenDays: z.number().int().min(1).max(90),
        /** Refuse member routes to requests that carry no source IP (device/IP context). */
        requireSourceIp: z.boolean(),
        /** Optional UTC hours during which admin routes are open, e.g. { from: 6, to: 22 }. */
        adminHoursUtc: z
          .object({ from: z.number().int().min(0).max(23), to: z.number().int().min(0).max(24) })
          .strict()
          .optional(),
      })
      .strict(),
    checkout: z
      .object({
        /** How long checkout holds stock while the customer pays; it also bounds the saga's payment wait. */
        holdMinutes: z.number().int().min(1).max(60),
        /** Holds past expiry by more than this are released by the sweeper (a live saga's own timeout acts first). */
        sweepGraceMinutes: z.number().int().min(1).max(60),
      })
      .strict(),
    fulfilment: z
      .object({
        /** Base URL of the fulfilment provider's API (POST {apiUrl}/shipments); its API key is a secret. */
        apiUrl: z
          .string()
          .url()
          .refine((u) => u.startsWith('https://'), 'must be https'),
      })
      .strict(),
    payments: z
      .object({
        /** How long a Stripe API key or webhook signing secret read from Secrets Manager is cached (rotation lag). */
        secretCacheSeconds: z.number().int().min(5).max(900),
        reconciliation: z
          .object({
            /** How often the reconciliation job runs (EventBridge rate, minutes). Discrepancies surface within this. */
            everyMinutes: z
              .number()
              .int()
              .min(5)
              .max(24 * 60),
            /** How far back each run compares Stripe with Stockade (PaymentIntents and refunds created since). */
            windowHours: z
              .number()
              .int()
              .min(1)
              .max(24 * 31),
            /** An order still PENDING or AWAITING_PAYMENT this long after it was placed is reported as stuck. */
            stuckAfterMinutes: z
              .number()
              .int()
              .min(5)
              .max(24 * 60),
            /**
             * Remedies the job applies by itself, each audited. `cancel-orphaned-payment-intent`: cancel an open
             * PaymentIntent whose order is gone or ended. `apply-missed-payment-outcome`: a payment Stripe finished but
             * whose webhook never arrived is applied as the webhook would have been. `refund-paid-without-order`: money
             * taken for no live order is refunded.
             */
            remedies: z.array(z.enum(['cancel-orphaned-payment-intent', 'apply-missed-payment-outcome', 'refund-paid-without-order'])),
          })
          .strict(),
      })
      .strict(),
    secrets: z
      .object({
        /** Days between automatic rotations of each inventory provider's HMAC secret. */
        inventoryRotationDays: z.number().int().min(1).max(365),
        /** How long the previous inventory HMAC secret is still accepted after a rotation, so in-flight webhooks pass. */
        inventoryGraceHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 7),
      })
      .strict(),
    /** Inventory providers that may call POST /webhooks/inventory/{providerId}; each gets its own HMAC secret. */
    inventoryProviders: z.array(z.string().regex(/^[a-z0-9-]{3,40}$/)).min(0),
  })
  .strict()
  .refine((c) => c.api.throttleBurstLimit >= Math.min(c.api.throttleRateLimit, 5_000) / 10, {
    message: 'burst limit is too small for the rate limit',
    path: ['api', 'throttleBurstLimit'],
  })
  .refine((c) => c.waf.sensitiveRateLimitPer5Min <= c.waf.rateLimitPer5Min, {
    message: 'the sensitive-route rate limit must not exceed the global one',
    path: ['waf', 'sensitiveRateLimitPer5Min'],
  })
  .refine((c) => c.secrets.inventoryGraceHours < c.secrets.inventoryRotationDays * 24, {
    message: 'the grace period must end before the next rotation, or a still-valid previous secret would be dropped',
    path: ['secrets', 'inventoryGraceHours'],
  })
  .refine((c) => c.stage === 'dev' || c.removalPolicy === 'retain', {
    message: 'staging and prod must retain stateful resources',
    path: ['removalPolicy'],
  })
  .refine((c) => c.stage !== 'prod' || c.auth.threatProtection === 'enforced', {
    message: 'prod must enforce threat protection',
    path: ['auth', 'threatProtection'],
  })
  .refine((c) => c.stage === 'dev' || c.api.corsAllowOrigins.every((o) => o.startsWith('https://')), {
    message: 'staging and prod accept only https origins',
    path: ['api', 'corsAllowOrigins'],
  });

export type StageConfig = z.infer<typeof StageConfigSchema>;
