import { isIP } from 'node:net';
import * as z from '../../shared/validation/zod';
import { ShippingRatesSchema } from '../../shared/domain/orders/shipping';

export const STAGES = ['dev', 'staging', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** Retention periods CloudWatch Logs accepts (RetentionDays values). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const cidr = z.string().check(
  z.refine((value: string) => {
    const [address, bits, ...rest] = value.split('/');
    if (!address || !bits || rest.length > 0 || !/^\d{1,3}$/.test(bits)) return false;
    const family = isIP(address);
    return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
  }, 'must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8'),
);

const origin = z.string().check(
  z.refine((value: string) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
    } catch {
      return false;
    }
  }, 'must be an origin such as https://shop.example.com (scheme, host and optional port only)'),
);

/** Subscribers of one alarm severity's SNS topic. */
const alarmDestinations = z.strictObject({
  /** Addresses subscribed by email (each confirms its subscription once, from the message SNS sends). */
  emails: z.array(z.email()),
  /**
   * HTTPS endpoints subscribed to the topic: PagerDuty's or Opsgenie's Amazon CloudWatch integration URL, or a
   * ticketing system's. SNS confirms the subscription with the endpoint (both services do so by themselves).
   */
  httpsEndpoints: z.array(z.url().check(z.refine((u) => u.startsWith('https://'), 'must be https'))),
});

/** A whole number from `min` to `max`. */
const integer = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));

/**
 * Everything that differs between stages. Stacks read only this (through their props), never process.env.
 * Validated when the app synthesizes, so a bad value fails `cdk synth` with the path of the offending field.
 */
export const StageConfigSchema = z
  .strictObject({
    stage: z.enum(STAGES),
    /** Account and region come from the standard CDK environment; undefined means environment-agnostic. */
    env: z.strictObject({
      account: z.optional(z.string().check(z.regex(/^\d{12}$/))),
      region: z.optional(z.string().check(z.minLength(1))),
    }),
    /** `retain` keeps tables, keys, secrets and log groups when a stack is deleted and turns on deletion protection. */
    removalPolicy: z.enum(['destroy', 'retain']),
    logRetentionDays: z
      .number()
      .check(z.refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `must be one of ${LOG_RETENTION_DAYS.join(', ')}`)),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
    api: z.strictObject({
      /** Steady-state requests per second across the stage. */
      throttleRateLimit: integer(1, 10_000),
      throttleBurstLimit: integer(1, 5_000),
      /** Largest request body a handler accepts (413 above it). WAF inspects 16 KiB of a body by default. */
      maxBodyBytes: integer(1_024, 16_384),
      corsAllowOrigins: z.array(origin),
    }),
    waf: z.strictObject({
      /** Requests per IP per 5-minute window, all routes. */
      rateLimitPer5Min: integer(100, 2_000_000_000),
      /** Requests per IP per 5-minute window on /checkout and /webhooks/*. */
      sensitiveRateLimitPer5Min: integer(100, 2_000_000_000),
    }),
    admin: z.strictObject({
      /** Source networks allowed to call /admin routes. Empty means no network may. */
      allowedCidrs: z.array(cidr),
    }),
    /**
     * Where alarms go. Every alarm opens a ticket (its own notification on the ticket topic); the alarms that need
     * someone now also page, through their area's composite alarm on the page topic. Staging and prod must name at
     * least one destination per severity (checked when the app synthesizes, lib/config/readiness.ts).
     */
    /**
     * The synthetic canary (docs/operations.md, "Synthetic canary"): how often it runs the smoke purchase against the
     * deployed API, and whether it pays (Stripe in test mode) or checks out and cancels (Stripe live). None in dev.
     */
    synthetics: z.optional(z.strictObject({ everyMinutes: integer(1, 60), mode: z.enum(['purchase', 'checkout-and-cancel']) })),
    alarms: z.strictObject({
      page: alarmDestinations,
      ticket: alarmDestinations,
      /** API Gateway's p99 latency (ms, 5-minute periods) above which the API pages, three periods running. */
      apiLatencyP99Ms: integer(100, 29_000),
      /** Webhook requests per 5 minutes, per webhook, that may fail signature verification before an alarm (a retry storm of one bad delivery stays below). */
      webhookSignatureFailuresPer5Minutes: integer(1, 1_000_000),
    }),
    auth: z.strictObject({
      /**
       * Cognito threat protection for password sign-in: off, audit (metrics only) or enforced (block risky
       * sign-ins). audit and enforced need the PLUS feature plan, which this setting selects.
       */
      threatProtection: z.enum(['off', 'audit', 'enforced']),
      /** Lifetime of access and ID tokens. Short, because access tokens cannot be revoked before expiry. */
      accessTokenMinutes: integer(5, 60),
      refreshTokenDays: integer(1, 90),
      /** Refuse member routes to requests that carry no source IP (device/IP context). */
      requireSourceIp: z.boolean(),
      /** Optional UTC hours during which admin routes are open, e.g. { from: 6, to: 22 }. */
      adminHoursUtc: z.optional(z.strictObject({ from: integer(0, 23), to: integer(0, 24) })),
    }),
    /** The tamper-evident audit trail (docs/data-model.md, "Audit trail"; docs/operations.md, "Audit trail"). */
    audit: z.strictObject({
      /**
       * Hash chains the trail is spread over, each appended to at random. One chain's head item takes two writes per
       * append (a transactional put), so a shard serves about 500 appends per second before its partition's limit.
       */
      shards: integer(1, 64),
      /** How often the scheduled verification checks each chain from its newest anchor to its head, then anchors the heads. */
      verifyEveryMinutes: integer(5, 24 * 60),
      /**
       * Days AWS Backup keeps its copies of the audit and orders tables in a vault with a compliance-mode lock (no one,
       * root included, can delete them sooner). Required in staging and prod; dev has no backup plan.
       */
      backupRetentionDays: z.optional(integer(7, 36_500)),
    }),
    /** Export and erasure of a customer's data (docs/privacy.md). */
    privacy: z.strictObject({
      /**
       * Days pseudonymised orders and their payment records are kept after the order was placed, for the accountants;
       * then the table's TTL purges them.
       */
      retentionDays: integer(1, 36_500),
      /** A customer may export their data once per this many minutes (429 with Retry-After sooner). */
      exportIntervalMinutes: integer(1, 24 * 60),
      /** Attempts of an erasure request (it waits for open orders between them) before it is dead-lettered and alarms. */
      erasureMaxAttempts: integer(3, 1_000),
      /** The longest rest between two attempts of a waiting erasure request (exponential backoff from 2 s). */
      erasureRetryMaxSeconds: integer(10, 43_200),
    }),
    /** The mitigation switches (SSM parameters, docs/operations.md "Mitigation switches"). */
    switches: z.strictObject({
      /** Seconds a function keeps a switch's value before reading it again: the longest a flip takes to act. */
      cacheSeconds: integer(1, 300),
    }),
    /**
     * How long shared caches (the CDN, browsers) may keep the public catalog reads, GET /products and GET
     * /products/{productId} (docs/operations.md, "Catalog cache"): shoppers may see a price or the available stock
     * this old; checkout always reads the table itself.
     */
    catalogCache: z.strictObject({
      /** Cache-Control max-age. */
      maxAgeSeconds: integer(0, 3_600),
      /** Cache-Control stale-while-revalidate: a cache may answer this much longer while it fetches a fresh copy; 0 leaves it out. */
      staleWhileRevalidateSeconds: integer(0, 3_600),
    }),
    /**
     * A CloudFront distribution in front of the API's public paths (Stockade-<stage>-Cdn): it caches the catalog reads
     * for their Cache-Control and forwards /health and /openapi.json uncached, with a CloudFront-scope WAF web ACL.
     * Member, admin and webhook routes keep calling the API itself (docs/operations.md, "Catalog cache").
     */
    cdn: z.strictObject({
      enabled: z.boolean(),
      /** CloudFront's price class: which edge locations serve (and bill) viewers. */
      priceClass: z.enum(['PriceClass_100', 'PriceClass_200', 'PriceClass_All']),
    }),
    checkout: z.strictObject({
      /** How long checkout holds stock while the customer pays; it also bounds the saga's payment wait. */
      holdMinutes: integer(1, 60),
      /** Holds past expiry by more than this are released by the sweeper (a live saga's own timeout acts first). */
      sweepGraceMinutes: integer(1, 60),
    }),
    /** The orders table (docs/data-model.md, "Orders"). */
    orders: z.strictObject({
      /**
       * Shards of the byStatus index's keys (`STATUS#<status>#<n>`, n a hash of the order id mod this). Every status
       * change writes the index, so one unsharded status key is one partition taking every order's writes: about
       * 1,000 WCU/s, some 167 orders/s at the 6 WCU per order AWAITING_PAYMENT takes; N shards take N times that.
       * The admin listing and reconciliation read all N in parallel. The active stock holds (`HOLD#ACTIVE#<n>`, 2 WCU
       * per order) are indexed on their order's shard, so this count spreads them too. Only ever raise it: an entry written under a
       * smaller N (hash mod N) stays inside the range readers fan out over, but lowering it hides the orders on the
       * shards dropped until their next status change.
       */
      statusShards: integer(1, 64),
    }),
    /**
     * The shipping options checkout offers (amounts in minor units of each option's currency, added to the order total
     * and the PaymentIntent), and the one used when a checkout names none. Taxes are not computed (README).
     */
    shipping: ShippingRatesSchema,
    fulfilment: z.strictObject({
      /** Base URL of the fulfilment provider's API (POST {apiUrl}/shipments); its API key is a secret. */
      apiUrl: z.url().check(z.refine((u) => u.startsWith('https://'), 'must be https')),
    }),
    payments: z.strictObject({
      /** How long a Stripe API key or webhook signing secret read from Secrets Manager is cached (rotation lag). */
      secretCacheSeconds: integer(5, 900),
      reconciliation: z.strictObject({
        /** How often the reconciliation job runs (EventBridge rate, minutes). Discrepancies surface within this. */
        everyMinutes: integer(5, 24 * 60),
        /** How far back each run compares Stripe with Stockade (PaymentIntents and refunds created since). */
        windowHours: integer(1, 24 * 31),
        /** An order still PENDING or AWAITING_PAYMENT this long after it was placed is reported as stuck. */
        stuckAfterMinutes: integer(5, 24 * 60),
        /**
         * Remedies the job applies by itself, each audited. `cancel-orphaned-payment-intent`: cancel an open
         * PaymentIntent whose order is gone or ended. `apply-missed-payment-outcome`: a payment Stripe finished but
         * whose webhook never arrived is applied as the webhook would have been. `refund-paid-without-order`: money
         * taken for no live order is refunded.
         */
        remedies: z.array(z.enum(['cancel-orphaned-payment-intent', 'apply-missed-payment-outcome', 'refund-paid-without-order'])),
      }),
    }),
    /**
     * How a release of an API or workflow function reaches its callers (lib/constructs/function-release.ts): CodeDeploy
     * shifts the function's `live` alias from the running version to the new one with this predefined configuration,
     * and rolls back when one of the function's rollback alarms fires. `Canary…`: that share of traffic first, the
     * rest after the bake time; `Linear…`: 10% more every interval; `AllAtOnce`: no bake (the alarms still roll back
     * a release that fails after it).
     */
    release: z.strictObject({
      trafficShift: z.enum([
        'AllAtOnce',
        'Canary10Percent5Minutes',
        'Canary10Percent10Minutes',
        'Canary10Percent15Minutes',
        'Canary10Percent30Minutes',
        'Linear10PercentEvery1Minute',
        'Linear10PercentEvery2Minutes',
        'Linear10PercentEvery3Minutes',
        'Linear10PercentEvery10Minutes',
      ]),
    }),
    secrets: z.strictObject({
      /** Days between automatic rotations of each inventory provider's HMAC secret. */
      inventoryRotationDays: integer(1, 365),
      /** How long the previous inventory HMAC secret is still accepted after a rotation, so in-flight webhooks pass. */
      inventoryGraceHours: integer(1, 24 * 7),
    }),
    /**
     * Who may deploy this stage from CI (Stockade-<stage>-DeployAccess): the GitHub repository whose workflow jobs, run
     * in the GitHub environment named after the stage, may assume the deploy role through GitHub's OIDC provider.
     */
    github: z.strictObject({
      /** `owner/repo`, exactly as GitHub spells it: no wildcard, no pattern (the trust policy pins this repository). */
      repository: z.string().check(z.regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, 'must be owner/repo, with no wildcard')),
      /**
       * An account holds one OIDC provider per issuer URL: `create` adds GitHub's provider in this stack; where the
       * account already has one (another stage in the same account, or another project), import it by ARN instead.
       */
      oidcProvider: z.union([
        z.literal('create'),
        z.strictObject({
          importArn: z
            .string()
            .check(
              z.regex(
                /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/,
                "must be the ARN of the account's token.actions.githubusercontent.com provider",
              ),
            ),
        }),
      ]),
    }),
    /** Inventory providers that may call POST /webhooks/inventory/{providerId}; each gets its own HMAC secret. */
    inventoryProviders: z.array(z.string().check(z.regex(/^[a-z0-9-]{3,40}$/))).check(z.minLength(0)),
  })
  .check(
    z.refine((c) => c.api.throttleBurstLimit >= Math.min(c.api.throttleRateLimit, 5_000) / 10, {
      message: 'burst limit is too small for the rate limit',
      path: ['api', 'throttleBurstLimit'],
    }),
    z.refine((c) => c.waf.sensitiveRateLimitPer5Min <= c.waf.rateLimitPer5Min, {
      message: 'the sensitive-route rate limit must not exceed the global one',
      path: ['waf', 'sensitiveRateLimitPer5Min'],
    }),
    z.refine((c) => c.secrets.inventoryGraceHours < c.secrets.inventoryRotationDays * 24, {
      message: 'the grace period must end before the next rotation, or a still-valid previous secret would be dropped',
      path: ['secrets', 'inventoryGraceHours'],
    }),
    z.refine((c) => c.stage === 'dev' || c.removalPolicy === 'retain', {
      message: 'staging and prod must retain stateful resources',
      path: ['removalPolicy'],
    }),
    z.refine((c) => c.stage !== 'prod' || c.release.trafficShift !== 'AllAtOnce', {
      message: 'prod releases shift traffic gradually (a canary or linear configuration), so that a bad release reaches few users and rolls back',
      path: ['release', 'trafficShift'],
    }),
    z.refine((c) => c.stage === 'dev' || c.audit.backupRetentionDays !== undefined, {
      message: 'staging and prod keep vault-locked backups of the audit and orders tables: set their retention',
      path: ['audit', 'backupRetentionDays'],
    }),
    z.refine((c) => c.stage !== 'prod' || c.auth.threatProtection === 'enforced', {
      message: 'prod must enforce threat protection',
      path: ['auth', 'threatProtection'],
    }),
    z.refine((c) => c.stage === 'dev' || c.api.corsAllowOrigins.every((o) => o.startsWith('https://')), {
      message: 'staging and prod accept only https origins',
      path: ['api', 'corsAllowOrigins'],
    }),
  );

export type StageConfig = z.infer<typeof StageConfigSchema>;
