import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomInt } from 'node:crypto';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readRestApis } from '../../local/aws/apigw/rest-api-model';
import { CloudAssembly } from '../../local/runtime/assembly';
import { signInWithPassword } from '../../local/clients/sign-in';
import { IntrinsicResolver } from '../../local/runtime/intrinsics';
import type { Endpoints } from '../../local/runtime/local-runtime';
import { localCredentials } from '../../local/aws/credentials';
import { PROJECT_ROOT } from '../../local/runtime/synth';
import { type Exchange, type FailureGroup, formatFailures, formatFigures, type FuzzReport, runFuzz, type WireResponse } from './engine';
import { GARBAGE_TOKENS } from './hostile';
import { checkExchange, logOffsets, markedItems, type Needle, type Needles, scanLogs, writesOfRefused } from './stockade-invariants';
import {
  type DemoProduct,
  describeRequest,
  forgedTokens,
  markerFor,
  materializeRequest,
  newRunId,
  type Role,
  ROLES,
  type StockadeFuzzContext,
  type StockadeRequest,
  stockadeRequests,
} from './stockade-plan';

export interface StockadeFuzzOptions {
  /** endpoints.json of the runtime to fuzz; its directory is the runtime's state dir (function logs in logs/). */
  readonly endpointsFile: string;
  /** The cloud assembly the runtime plays, for the list of routes. @default <state dir>/cdk.out, else ./cdk.out */
  readonly cdkOut?: string;
  /** @default dev */
  readonly stage?: string;
  readonly requests: number;
  /** @default FUZZ_SEED, else random */
  readonly seed?: number;
  /** @default 12 */
  readonly concurrency?: number;
  /** Per request. @default 35000 */
  readonly timeoutMs?: number;
  /** How long to let queue consumers settle before the tables are scanned. @default 3000 */
  readonly settleMs?: number;
  readonly progress?: (line: string) => void;
}

export interface StockadeFuzzResult {
  readonly ok: boolean;
  /** Figures: seed, requests, req/s, per-route counts, what the run wrote. */
  readonly summary: string;
  /** The failure report (every group with the exact request), when an invariant broke. */
  readonly failures?: string;
  readonly report: FuzzReport<StockadeRequest>;
}

/** The seed to use: the option, else FUZZ_SEED, else a fresh one (printed, so any run can be replayed). */
export function fuzzSeed(option?: number): number {
  if (option !== undefined) return option;
  const fromEnv = process.env.FUZZ_SEED;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const seed = Number(fromEnv);
    if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, not ${JSON.stringify(fromEnv)}`);
    return seed;
  }
  return randomInt(2 ** 31 - 1);
}

async function getJson(url: string, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`GET ${new URL(url).pathname} answered ${response.status} while preparing the fuzz run`);
  return (await response.json()) as Record<string, unknown>;
}

/** Signs every demo user in (TOTP for the privileged ones) and reads what the plan draws real values from. */
export async function gatherContext(endpoints: Endpoints, cdkOut: string, stage: string): Promise<StockadeFuzzContext> {
  const assembly = CloudAssembly.load(cdkOut, stage);
  const [model] = readRestApis(assembly, new IntrinsicResolver(assembly, () => undefined));
  if (!model) throw new Error(`No REST API in ${cdkOut}`);
  const { cognito, users, stripe } = endpoints;
  if (!cognito || !users || !stripe) throw new Error('The runtime has no Cognito, demo users or Stripe stand-in: nothing to sign in with');
  const client = new CognitoIdentityProviderClient({ endpoint: cognito.endpoint, region: endpoints.region, credentials: localCredentials, maxAttempts: 3 });
  const tokens = {} as Record<Role, string>;
  const subs = {} as Record<Role, string>;
  try {
    for (const role of ROLES) {
      tokens[role] = (await signInWithPassword(client, cognito.clientId, users[role])).AccessToken;
      subs[role] = String((await getJson(`${endpoints.apiUrl}/me`, tokens[role])).sub);
    }
  } finally {
    client.destroy();
  }
  const listed = (await getJson(`${endpoints.apiUrl}/products?limit=100`)).items as Array<{
    productId: string;
    vendorId: string;
    skus: Array<{ sku: string }>;
  }>;
  const products: DemoProduct[] = listed.map((p) => ({ productId: p.productId, vendorId: p.vendorId, skus: p.skus.map((s) => s.sku) }));
  const cursors: string[] = [];
  for (const [url, token] of [
    [`${endpoints.apiUrl}/products?limit=1`, undefined],
    [`${endpoints.apiUrl}/admin/audit?limit=1`, tokens.admin],
    [`${endpoints.apiUrl}/orders?limit=1`, tokens.customer],
  ] as const) {
    const next = (await getJson(url, token).catch(() => ({}) as Record<string, unknown>)).nextCursor;
    if (typeof next === 'string') cursors.push(next);
  }
  return {
    routes: model.routes.map((r) => ({ httpMethod: r.httpMethod, resourcePath: r.resourcePath })),
    tokens,
    subs,
    products,
    cursors,
    stripeWebhookSecret: stripe.webhookSecret,
    providerSecrets: Object.fromEntries(Object.entries(endpoints.inventoryProviders).map(([id, p]) => [id, p.secret])),
  };
}

/** What must never be shown: every credential of the runtime and the run, and the names of its insides. */
export function needlesFor(endpoints: Endpoints, context: StockadeFuzzContext, forged: ReturnType<typeof forgedTokens>, stateDirectory: string): Needles {
  const secrets: Needle[] = [];
  for (const role of ROLES) {
    const user = endpoints.users?.[role];
    secrets.push({ label: `the ${role} access token`, value: context.tokens[role] });
    secrets.push({ label: `the signature of the ${role} access token`, value: context.tokens[role].slice(context.tokens[role].lastIndexOf('.') + 1) });
    for (const [variant, token] of Object.entries(forged[role])) secrets.push({ label: `a forged ${role} token (${variant})`, value: token });
    if (user) {
      secrets.push({ label: `the ${role} password`, value: user.password });
      secrets.push({ label: `the ${role} e-mail address`, value: user.username });
      if (user.totpSecret) secrets.push({ label: `the ${role} TOTP secret`, value: user.totpSecret });
    }
  }
  for (const token of GARBAGE_TOKENS.filter((t) => t.length >= 30)) secrets.push({ label: 'a garbage bearer token', value: token });
  if (endpoints.stripe) {
    secrets.push({ label: 'the Stripe API key', value: endpoints.stripe.apiKey });
    secrets.push({ label: 'the Stripe webhook secret', value: endpoints.stripe.webhookSecret });
  }
  for (const [id, provider] of Object.entries(endpoints.inventoryProviders))
    secrets.push({ label: `the ${id} inventory provider secret`, value: provider.secret });
  if (endpoints.fulfilment) secrets.push({ label: 'the fulfilment API key', value: endpoints.fulfilment.apiKey });

  const internal: Needle[] = [
    ...Object.entries(endpoints.tables).flatMap(([logicalId, name]) => [
      { label: `a table name (${logicalId})`, value: name },
      { label: `a table logical id`, value: logicalId },
    ]),
    ...Object.entries(endpoints.queues).flatMap(([logicalId, url]) => [
      { label: `a queue URL (${logicalId})`, value: url },
      { label: `a queue name (${logicalId})`, value: url.slice(url.lastIndexOf('/') + 1) },
    ]),
    ...Object.entries(endpoints.stateMachines).map(([logicalId, arn]) => ({ label: `a state machine (${logicalId})`, value: arn })),
    ...Object.entries(endpoints.aws).flatMap(([service, url]) => (typeof url === 'string' ? [{ label: `the local ${service} endpoint`, value: url }] : [])),
    ...(endpoints.cognito
      ? [
          { label: 'the user pool id', value: endpoints.cognito.userPoolId },
          { label: 'the Cognito endpoint', value: endpoints.cognito.endpoint },
        ]
      : []),
    ...(endpoints.stripe ? [{ label: 'the Stripe stand-in', value: `${endpoints.stripe.host}:${endpoints.stripe.port}` }] : []),
    ...(endpoints.inventoryStandIn ? [{ label: 'the inventory stand-in', value: endpoints.inventoryStandIn.url }] : []),
    { label: 'the runtime state directory', value: stateDirectory },
    { label: 'the project directory', value: PROJECT_ROOT },
  ];
  return { secrets, internal };
}

interface AnswerSummary {
  readonly status?: number;
  readonly contentType?: string;
  readonly bodyStart: string;
  readonly requestId?: string;
}

/**
 * Fuzzes the runtime of `endpointsFile` over HTTP: `requests` generated requests to every route, as every caller,
 * every answer checked; then the tables are scanned for anything a refused request wrote and the function logs for
 * secrets and stack traces.
 */
export async function fuzzStockade(options: StockadeFuzzOptions): Promise<StockadeFuzzResult> {
  const endpoints = JSON.parse(readFileSync(options.endpointsFile, 'utf8')) as Endpoints;
  const stateDirectory = path.dirname(path.resolve(options.endpointsFile));
  const logDirectory = path.join(stateDirectory, 'logs');
  const cdkOut =
    options.cdkOut ?? (existsSync(path.join(stateDirectory, 'cdk.out')) ? path.join(stateDirectory, 'cdk.out') : path.join(PROJECT_ROOT, 'cdk.out'));
  const progress = options.progress ?? (() => undefined);
  const seed = fuzzSeed(options.seed);
  progress(`fuzz: seed ${seed} (FUZZ_SEED=${seed} replays this run), ${options.requests} requests against ${endpoints.apiUrl}`);

  const phase = (() => {
    let last = Date.now();
    return (what: string) => {
      progress(`fuzz: ${what} in ${((Date.now() - last) / 1000).toFixed(1)} s`);
      last = Date.now();
    };
  })();
  const context = await gatherContext(endpoints, cdkOut, options.stage ?? 'dev');
  phase('signed in and read the catalog');
  const forged = forgedTokens(context.tokens);
  const needles = needlesFor(endpoints, context, forged, stateDirectory);
  const providers = Object.keys(context.providerSecrets);
  const runId = newRunId();
  const offsets = logOffsets(logDirectory);
  const answers = new Map<number, AnswerSummary>();
  const sent = new Map<number, StockadeRequest>();
  const indexOfRequestId = new Map<string, number>();

  const report = await runFuzz<StockadeRequest>(
    {
      arbitrary: stockadeRequests(context),
      label: (r) => r.route,
      materialize: (r, marker) => materializeRequest(r, marker, context, forged),
      check: (exchange) => checkExchange(exchange, needles, providers),
      describe: describeRequest,
    },
    {
      baseUrl: endpoints.apiUrl,
      requests: options.requests,
      seed,
      concurrency: options.concurrency,
      timeoutMs: options.timeoutMs,
      markerFor: (index) => markerFor(runId, index),
      progress,
      onExchange: (exchange) => {
        const requestId = exchange.response?.headers['x-amzn-requestid'];
        sent.set(exchange.index, exchange.request as StockadeRequest);
        answers.set(exchange.index, {
          ...(exchange.response ? { status: exchange.response.status, contentType: String(exchange.response.headers['content-type'] ?? '') } : {}),
          bodyStart: exchange.response?.body.subarray(0, 300).toString('utf8') ?? exchange.transportError ?? '',
          ...(typeof requestId === 'string' ? { requestId } : {}),
        });
        if (typeof requestId === 'string') indexOfRequestId.set(requestId, exchange.index);
      },
    },
  );

  phase('requests sent and failures shrunk');
  // Checks after the run: what the tables hold and what the logs say.
  await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 3_000));
  const exchangeOf = (index: number): Exchange<StockadeRequest> | undefined => {
    const request = sent.get(index);
    if (!request) return undefined;
    const answer = answers.get(index);
    const marker = markerFor(runId, index);
    const response: WireResponse | undefined =
      answer?.status !== undefined
        ? { status: answer.status, headers: { 'content-type': answer.contentType ?? '' }, body: Buffer.from(answer.bodyStart, 'utf8'), ms: 0 }
        : undefined;
    return {
      index,
      marker,
      request,
      wire: materializeRequest(request, marker, context, forged),
      ...(response ? { response } : { transportError: answer?.bodyStart ?? 'not sent' }),
    };
  };
  const addFailure = (invariant: string, index: number | undefined, message: string) => {
    const exchange = index === undefined ? undefined : exchangeOf(index);
    const label = exchange?.request.route ?? '(no request)';
    const key = `${invariant} | ${label} | ${message.replace(/\d+/g, 'N')}`;
    const existing = report.failures.find((g) => g.key === key);
    if (existing) {
      existing.count += 1;
      return;
    }
    const placeholder: Exchange<StockadeRequest> = exchange ?? {
      index: -1,
      marker: '',
      request: {
        route: label,
        method: '-',
        template: '-',
        params: {},
        query: [],
        caller: 'anonymous',
        auth: { kind: 'own' },
        headers: [],
        body: { kind: 'none' },
      },
      wire: { method: '-', path: '(not tied to one request)', headers: [] },
      transportError: 'see the violation',
    };
    const group: FailureGroup<StockadeRequest> = { key, invariant, label, count: 1, first: { exchange: placeholder, violations: [{ invariant, message }] } };
    report.failures.push(group);
  };

  const dynamo = new DynamoDBClient({ endpoint: endpoints.aws.dynamodb, region: endpoints.region, credentials: localCredentials, maxAttempts: 5 });
  let items: Awaited<ReturnType<typeof markedItems>>;
  try {
    items = await markedItems(dynamo, endpoints.tables, runId);
  } finally {
    dynamo.destroy();
  }
  phase('settled and scanned the tables');
  for (const item of writesOfRefused(items, (index) => answers.get(index)?.status)) {
    addFailure('nothing-written', item.index, `a request answered ${item.status ?? 'nothing'} wrote ${item.key} into ${item.table}`);
  }
  const requestIds = new Set(indexOfRequestId.keys());
  for (const finding of scanLogs(logDirectory, needles.secrets, requestIds, offsets)) {
    addFailure(
      'logs',
      finding.requestId === undefined ? undefined : indexOfRequestId.get(finding.requestId),
      `${finding.file}:${finding.line} ${finding.message}`,
    );
  }

  phase('scanned the function logs');
  // The run shares its demo users with every other test: none of its requests may have erased or locked one out.
  if (endpoints.cognito && endpoints.users) {
    const client = new CognitoIdentityProviderClient({
      endpoint: endpoints.cognito.endpoint,
      region: endpoints.region,
      credentials: localCredentials,
      maxAttempts: 3,
    });
    try {
      for (const role of ROLES) {
        await signInWithPassword(client, endpoints.cognito.clientId, endpoints.users[role]).catch((error: unknown) =>
          addFailure('demo-users-intact', undefined, `the ${role} demo user no longer signs in after the run: ${(error as Error).name}`),
        );
      }
    } finally {
      client.destroy();
    }
  }
  const writtenByAccepted = new Map<string, number>();
  for (const item of items) writtenByAccepted.set(item.table, (writtenByAccepted.get(item.table) ?? 0) + 1);
  const summary = [
    formatFigures(report as FuzzReport<unknown>),
    `fuzz: run ${runId}: ${items.length} item(s) carry this run's markers${writtenByAccepted.size ? ` (${[...writtenByAccepted].map(([t, n]) => `${t} ${n}`).join(', ')})` : ''}; ${requestIds.size} request ids checked in the function logs`,
  ].join('\n');
  const failures = formatFailures(report, describeRequest);
  return { ok: report.failures.length === 0, summary, ...(failures ? { failures } : {}), report };
}
