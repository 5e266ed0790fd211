import * as path from 'node:path';
import type { Metafile } from 'esbuild';
import { PROJECT_ROOT } from '../../lib/constructs/stockade-function';
import { bundleOf, packagesIn, stageFunctions } from '../support/function-bundles';
import { STAGES, synthStage } from './synth-stage';

/**
 * Each function carries only what it uses (issue 13): every function is bundled as CDK bundles it, the npm packages
 * its esbuild metafile keeps are read, and a package outside the function's allow-list fails the test. Bundle
 * contents are deterministic, so this is a fair test. When it fails, prefer fixing the code (an SDK client built
 * lazily in functions/wiring/, a module split, `/* @__PURE__ *\/`) to widening the table.
 *
 * Functions are named by entry below functions/, without extension: the entry decides what is bundled.
 */

/** Every function may carry these: the handler kits' logger, metrics and middy. */
const BASE = [
  '@aws-lambda-powertools/commons',
  '@aws-lambda-powertools/logger',
  '@aws-lambda-powertools/metrics',
  '@aws/lambda-invoke-store',
  '@middy/core',
  'zod',
];

/** Never in any function. */
const FORBIDDEN: Readonly<Record<string, string>> = {
  'aws-xray-sdk-core':
    'the X-Ray SDK ends support on 2027-02-25; Lambda active tracing and the AWS SDK trace header replace it (docs/operations.md, "Tracing")',
  '@aws-lambda-powertools/tracer': 'it pulls in aws-xray-sdk-core',
};

/** `area/*`: every function of that area. */
type Entries = readonly string[];

interface Rule {
  readonly why: string;
  /** The functions that carry the package, and only these. */
  readonly only: Entries;
}

const SAGA_STEPS_ON_TABLES = [
  'saga/await-payment',
  'saga/cancel-payment',
  'saga/commit-order',
  'saga/create-payment-intent',
  'saga/mark-order-failed',
  'saga/release-stock',
  'saga/reserve-stock',
];
const SQS_CONSUMERS = ['payments/apply-payment-events', 'fulfilment/hand-off-orders', 'inventory/apply-inventory-updates', 'privacy/erase-customers'];
/** Functions that read a secret through the secret store (Powertools parameters over Secrets Manager). */
const SECRET_READERS = [
  'saga/create-payment-intent',
  'saga/cancel-payment',
  'inventory/sweep-expired-holds',
  'inventory/receive-inventory-webhook',
  'inventory/relay-stock-notifications',
  'inventory/sync-provider-stock',
  'payments/*',
  'fulfilment/hand-off-orders',
  'catalog/list-products',
  'orders/list-orders',
  'orders/list-vendor-orders',
  'orders/get-order',
  'orders/cancel-order',
  'admin/list-orders',
  'admin/list-audit-events',
  'admin/refund-order',
  'privacy/erase-customers',
];

/** Functions that act on a mitigation switch (read through Powertools parameters' cache, shared/adapters/ssm-switch-reader.ts). */
const SWITCH_READERS = ['checkout/create-checkout', 'inventory/receive-inventory-webhook', 'inventory/relay-stock-notifications'];

/** Functions that receive a shipping address (POST /checkout, PUT /me/address). */
const ADDRESS_CHECKERS = ['checkout/create-checkout', 'orders/put-default-address'];

/** Packages only some functions may carry, each with the reason those functions need it. */
const ONLY_IN: Readonly<Record<string, Rule>> = {
  '@aws-sdk/client-dynamodb': {
    why: 'their composition root builds a DynamoDB adapter',
    only: [
      // Every admin function but GET /admin/switches, which reads SSM only.
      'admin/flip-switch',
      'admin/get-reconciliation',
      'admin/list-audit-events',
      'admin/list-orders',
      'admin/redrive-queue',
      'admin/refund-order',
      'admin/verify-audit-trail',
      'cart/*',
      'catalog/*',
      'checkout/*',
      'fulfilment/*',
      'inventory/*',
      'orders/*',
      'payments/*',
      'privacy/*',
      'identity/pre-token-generation',
      // The authorizer audits denials, one per caller and minute.
      'identity/authorize-request',
      // It audits each rotation step that changes a secret.
      'secrets/rotate-inventory-secret',
      ...SAGA_STEPS_ON_TABLES,
    ],
  },
  '@aws-sdk/client-sqs': {
    why: 'they send to a queue (order events, payment events, inventory updates, a redrive) or, as queue consumers, a malformed message to the DLQ',
    only: [
      ...SQS_CONSUMERS,
      'saga/publish-order-confirmed',
      'payments/receive-stripe-webhook',
      'inventory/receive-inventory-webhook',
      'inventory/sync-provider-stock',
      'admin/redrive-queue',
      'privacy/request-erasure',
      'privacy/request-user-erasure',
    ],
  },
  '@aws-sdk/client-sfn': {
    why: 'they start the order saga or report to its waiting payment step',
    only: [
      'checkout/create-checkout',
      'saga/await-payment',
      'payments/apply-payment-events',
      'payments/reconcile-payments',
      'orders/get-order',
      'orders/cancel-order',
      'privacy/erase-customers',
    ],
  },
  '@aws-sdk/client-secrets-manager': { why: 'they read a secret, or rotate one', only: [...SECRET_READERS, 'secrets/rotate-inventory-secret'] },
  '@aws-lambda-powertools/parameters': {
    why: 'the secret store and the switch reader read through its cache',
    only: [...new Set([...SECRET_READERS, ...SWITCH_READERS])],
  },
  '@aws-sdk/client-ssm': {
    why: 'they act on a mitigation switch, or list and flip them',
    only: [...SWITCH_READERS, 'admin/list-switches', 'admin/flip-switch'],
  },
  '@aws-sdk/client-cognito-identity-provider': {
    why: 'the Cognito triggers read the user pool; the export reads the account and the erasure run deletes it',
    only: ['identity/post-confirmation', 'identity/pre-token-generation', 'privacy/export-personal-data', 'privacy/erase-customers'],
  },
  '@aws-lambda-powertools/batch': { why: 'queue consumers report partial batch failures', only: SQS_CONSUMERS },
  '@aws-lambda-powertools/idempotency': { why: 'POST /checkout is idempotent by its Idempotency-Key', only: ['checkout/create-checkout'] },
  // The logger reads its one correlation id from the event without a search engine (shared/handlers/powertools.ts).
  '@aws-lambda-powertools/jmespath': { why: "the idempotency utility's key and payload paths", only: ['checkout/create-checkout'] },
  'aws-jwt-verify': { why: 'the authorizer verifies access tokens', only: ['identity/authorize-request'] },
  // Checking a shipping address: the ISO 3166-1 country codes (i18n-iso-countries, with its diacritics dependency) and
  // each country's postal code format; only where an address is received.
  'i18n-iso-countries': { why: 'they check a shipping address by its country', only: ADDRESS_CHECKERS },
  diacritics: { why: "i18n-iso-countries' dependency", only: ADDRESS_CHECKERS },
  'postcode-validator': { why: "they check a shipping address's postal code", only: ADDRESS_CHECKERS },
  '@middy/http-cors': {
    why: 'the HTTP handler kit',
    only: [
      'admin/get-reconciliation',
      'admin/list-audit-events',
      'admin/list-orders',
      'admin/redrive-queue',
      'admin/refund-order',
      'admin/list-switches',
      'admin/flip-switch',
      'cart/*',
      'catalog/*',
      'checkout/*',
      'orders/*',
      'platform/*',
      'identity/get-me',
      'payments/receive-stripe-webhook',
      'inventory/receive-inventory-webhook',
      'privacy/export-personal-data',
      'privacy/request-erasure',
      'privacy/request-user-erasure',
    ],
  },
  stripe: {
    why: 'they call Stripe (payment intents, refunds, cancellations, reconciliation) or verify its webhook signatures',
    only: [
      'saga/create-payment-intent',
      'saga/cancel-payment',
      'inventory/sweep-expired-holds',
      'payments/*',
      'orders/get-order',
      'orders/cancel-order',
      'admin/refund-order',
      'privacy/erase-customers',
    ],
  },
  cockatiel: {
    why: "they call inventory providers (timeouts, retries, circuits) or read with BatchGetItem, whose unprocessed keys are retried with cockatiel's backoff (catalog repository, stock ledger, the order repository's listings)",
    only: [
      // The order repository lists through keys-only indexes and reads the orders in BatchGetItems: every function
      // built on it carries the backoff, whether or not it lists.
      'saga/create-payment-intent',
      'saga/await-payment',
      'saga/cancel-payment',
      'saga/mark-order-failed',
      'payments/apply-payment-events',
      'payments/reconcile-payments',
      'fulfilment/hand-off-orders',
      'orders/list-orders',
      'orders/get-order',
      'admin/refund-order',
      'admin/list-orders',
      'privacy/export-personal-data',
      'inventory/relay-stock-notifications',
      'inventory/sync-provider-stock',
      'inventory/sweep-expired-holds',
      'catalog/*',
      'cart/*',
      'checkout/create-checkout',
      'orders/cancel-order',
      'privacy/erase-customers',
      'orders/list-vendor-orders',
      'saga/reserve-stock',
      'saga/commit-order',
      'saga/release-stock',
      // Spreads a provider's absolute stock over a sharded SKU's shards, read in one BatchGetItem.
      'inventory/apply-inventory-updates',
    ],
  },
  ulid: {
    why: 'they make identifiers (newId); the audit trail numbers its entries per chain instead',
    only: ['catalog/create-product', 'catalog/create-products', 'catalog/adjust-stock', 'checkout/create-checkout'],
  },
};

/**
 * Packages that come with another one (its own dependencies or companions): allowed wherever that one is, not
 * required. The AWS SDK's shared runtime (credentials, signing, Smithy) comes with any client.
 */
const COMES_WITH: Readonly<Record<string, string>> = {
  '@middy/http-header-normalizer': '@middy/http-cors',
  '@middy/http-security-headers': '@middy/http-cors',
  '@middy/util': '@middy/http-cors',
  '@aws-sdk/util-dynamodb': '@aws-sdk/client-dynamodb',
  '@aws-sdk/dynamodb-codec': '@aws-sdk/client-dynamodb',
  '@aws-sdk/endpoint-cache': '@aws-sdk/client-dynamodb',
  '@aws-sdk/middleware-endpoint-discovery': '@aws-sdk/client-dynamodb',
  mnemonist: '@aws-sdk/client-dynamodb',
  obliterator: '@aws-sdk/client-dynamodb',
  '@aws-sdk/middleware-sdk-sqs': '@aws-sdk/client-sqs',
};
const SDK_RUNTIME = /^(@smithy\/.+|@aws-sdk\/(core|nested-clients|signature-v4-multi-region|token-providers|xml-builder|credential-provider-.+))$/;

function matches(entry: string, entries: Entries): boolean {
  return entries.some((e) => (e.endsWith('/*') ? entry.startsWith(e.slice(0, -1)) : entry === e));
}

/** What is wrong with `packages` in the bundle of `entry`: forbidden packages, packages outside its allow-list. */
export function packageProblems(entry: string, packages: readonly string[]): string[] {
  const carried = new Set(packages);
  const allowed = (pkg: string): boolean => {
    if (BASE.includes(pkg)) return true;
    const rule = ONLY_IN[pkg];
    if (rule) return matches(entry, rule.only);
    const companion = COMES_WITH[pkg];
    if (companion) return carried.has(companion) && allowed(companion);
    if (SDK_RUNTIME.test(pkg)) return [...carried].some((p) => p.startsWith('@aws-sdk/client-') && allowed(p));
    return false;
  };
  return packages.flatMap((pkg) => {
    if (FORBIDDEN[pkg]) return [`${entry} carries ${pkg}, which no function may: ${FORBIDDEN[pkg]}`];
    if (allowed(pkg)) return [];
    const rule = ONLY_IN[pkg];
    return [rule ? `${entry} carries ${pkg}, allowed only where ${rule.why}` : `${entry} carries ${pkg}, which the allow-list does not name`];
  });
}

/** Allowances no function uses: each names a function that no longer carries the package (a stale entry would let it creep back). */
export function unusedAllowances(carriedBy: ReadonlyMap<string, readonly string[]>): string[] {
  const entries = [...carriedBy.keys()];
  return Object.entries(ONLY_IN).flatMap(([pkg, rule]) =>
    rule.only.flatMap((pattern) => {
      const named = entries.filter((entry) => matches(entry, [pattern]));
      if (named.length === 0) return [`${pkg}: ${pattern} names no function`];
      return named.filter((entry) => !carriedBy.get(entry)?.includes(pkg)).map((entry) => `${pkg}: ${entry} (by ${pattern}) no longer carries it`);
    }),
  );
}

/** A function's entry below functions/, without extension. */
const entryName = (entryFile: string) => path.relative(path.join(PROJECT_ROOT, 'functions'), entryFile).replace(/\.ts$/, '');

/** Every deployed entry, over all stages. */
function deployedEntries(): Map<string, string> {
  const entries = new Map<string, string>();
  for (const stage of STAGES) for (const { entryFile } of stageFunctions(synthStage(stage))) entries.set(entryName(entryFile), entryFile);
  return entries;
}

/** A metafile with one output built from the given inputs. */
function metafileOf(inputs: readonly string[]): Metafile {
  return {
    inputs: {},
    outputs: { 'index.mjs': { bytes: 1, inputs: Object.fromEntries(inputs.map((p) => [p, { bytesInOutput: 10 }])), imports: [], exports: [] } },
  } as unknown as Metafile;
}

jest.setTimeout(300_000);

describe('the bundle allow-list checker (so the checks below can fail)', () => {
  it('maps esbuild inputs to npm packages, scoped or not, innermost node_modules first', () => {
    expect(
      packagesIn(
        metafileOf([
          'functions/platform/get-health.ts',
          'node_modules/stripe/esm/stripe.esm.node.js',
          'node_modules/@aws-sdk/client-sqs/dist-es/SQSClient.js',
          'node_modules/cls-hooked/node_modules/semver/semver.js',
        ]),
      ),
    ).toEqual(['@aws-sdk/client-sqs', 'semver', 'stripe']);
  });

  it('flags a forbidden package, a package outside its rule, and one no rule names', () => {
    const packages = packagesIn(
      metafileOf([
        'node_modules/@middy/core/index.js',
        'node_modules/aws-xray-sdk-core/dist/lib/index.js',
        'node_modules/stripe/esm/stripe.esm.node.js',
        'node_modules/left-pad/index.js',
      ]),
    );
    expect(packageProblems('catalog/get-product', packages)).toEqual([
      'catalog/get-product carries aws-xray-sdk-core, which no function may: ' + FORBIDDEN['aws-xray-sdk-core'],
      'catalog/get-product carries left-pad, which the allow-list does not name',
      'catalog/get-product carries stripe, allowed only where ' + ONLY_IN.stripe?.why,
    ]);
  });

  it("allows the SDK's runtime only beside a client the function may carry", () => {
    expect(packageProblems('platform/get-health', ['@smithy/core'])).toEqual(['platform/get-health carries @smithy/core, which the allow-list does not name']);
    expect(packageProblems('saga/publish-order-confirmed', ['@aws-sdk/client-sqs', '@aws-sdk/middleware-sdk-sqs', '@smithy/core'])).toEqual([]);
    expect(packageProblems('saga/publish-order-confirmed', ['@aws-sdk/client-dynamodb', '@aws-sdk/util-dynamodb'])).toEqual([
      'saga/publish-order-confirmed carries @aws-sdk/client-dynamodb, allowed only where ' + ONLY_IN['@aws-sdk/client-dynamodb']?.why,
      'saga/publish-order-confirmed carries @aws-sdk/util-dynamodb, which the allow-list does not name',
    ]);
  });

  it('names an allowance a function no longer uses', () => {
    const carried = new Map([['identity/authorize-request', ['zod']]]);
    expect(unusedAllowances(carried)).toContain('aws-jwt-verify: identity/authorize-request (by identity/authorize-request) no longer carries it');
  });
});

describe('what each function bundles', () => {
  let carriedBy: Map<string, string[]>;

  beforeAll(async () => {
    const entries = deployedEntries();
    carriedBy = new Map(await Promise.all([...entries].map(async ([name, file]) => [name, packagesIn((await bundleOf(file)).metafile)] as const)));
  });

  it('finds the functions and their packages (so the checks below can fail)', () => {
    expect(carriedBy.size).toBeGreaterThanOrEqual(40);
    expect(carriedBy.get('saga/create-payment-intent')).toEqual(expect.arrayContaining(['stripe', '@aws-sdk/client-dynamodb', '@middy/core']));
  });

  it('no bundle contains aws-xray-sdk-core', () => {
    expect([...carriedBy].filter(([, packages]) => packages.includes('aws-xray-sdk-core')).map(([entry]) => entry)).toEqual([]);
  });

  it('every function carries only packages its allow-list names', () => {
    expect([...carriedBy].flatMap(([entry, packages]) => packageProblems(entry, packages))).toEqual([]);
  });

  it('every allowance is used: the table is the truth, not a ceiling', () => {
    expect(unusedAllowances(carriedBy)).toEqual([]);
  });
});
