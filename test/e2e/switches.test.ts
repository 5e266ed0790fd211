import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient, GetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { localCredentials } from '../../local/aws/credentials';
import { generatedName } from '../../local/aws/service';
import { apiCaller } from '../../local/clients/api-client';
import { signInWithPassword } from '../../local/clients/sign-in';
import { CloudAssembly, type TemplateResource } from '../../local/runtime/assembly';
import type { Endpoints } from '../../local/runtime/local-runtime';
import { outboxPut } from '../../shared/adapters/dynamodb-stock-notification-outbox';
import type { StockNotification } from '../../shared/ports/inventory';
import { providerSales, sendInventoryWebhook } from '../support/inventory-provider';
import { readEndpoints, type RuntimeProcess, startRuntimeProcess, stopRuntimeProcess } from '../setup/local-runtime-process';
import { until } from '../support/until';
import { PROJECT_ROOT } from '../setup/local-runtime-process';

type Json = Record<string, unknown>;

/**
 * The mitigation switches end to end (issue 17, item 4; docs/operations.md, "Mitigation switches"), on a runtime of
 * its own: a switch stops a flow for every caller, so it must not stop another test's checkouts or notices. Each is
 * flipped by the demo admin through PUT /admin/switches/{name} and acts within the stage's cache time (dev: 5 s), as
 * GET /admin/switches says: a paused checkout answers 503 with Retry-After and writes nothing; a stopped relay leaves
 * a notice pending, then delivers it once resumed; one provider's webhooks are refused while another's are accepted.
 * Every flip is in the audit trail with its reason, source IP and request id.
 */
describe('mitigation switches, end to end', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'stockade-switches-'));
  const stateDirectory = path.join(workDir, 'state');
  let runtime: RuntimeProcess;
  let endpoints: Endpoints;
  let call: ReturnType<typeof apiCaller>;
  let admin = '';
  let customer = '';
  let cacheSeconds = 0;
  let dynamodb: DynamoDBClient;
  let lambda: LambdaClient;

  /** Waits out the cache time: a function that read the switch just before the flip reads it again after this. */
  const afterCacheTime = () => new Promise((resolve) => setTimeout(resolve, (cacheSeconds + 1) * 1000));
  const flip = (name: string, body: Json) => call('PUT', `/admin/switches/${name}`, admin, body);
  /** `npm run switch -- <args>` against this test's runtime. */
  const cli = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', path.join(PROJECT_ROOT, 'local', 'cli', 'switch.ts'), ...args, '--state-dir', stateDirectory],
        { cwd: PROJECT_ROOT, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    runtime = await startRuntimeProcess({ cdkOut: process.env.STOCKADE_TEST_CDK_OUT as string, stateDirectory, extraArgs: ['--no-throttle'] });
    endpoints = readEndpoints<Endpoints>(runtime.endpointsFile);
    call = apiCaller(endpoints.apiUrl, { timeoutMs: 30_000 });
    const cognito = new CognitoIdentityProviderClient({ endpoint: endpoints.cognito?.endpoint, region: endpoints.region, credentials: localCredentials });
    const clientId = endpoints.cognito?.clientId as string;
    admin = (await signInWithPassword(cognito, clientId, endpoints.users?.admin as NonNullable<Endpoints['users']>['admin'])).AccessToken;
    customer = (await signInWithPassword(cognito, clientId, endpoints.users?.customer as NonNullable<Endpoints['users']>['customer'])).AccessToken;
    cognito.destroy();
    dynamodb = new DynamoDBClient({ endpoint: endpoints.aws.dynamodb, region: endpoints.region, credentials: localCredentials });
    lambda = new LambdaClient({ endpoint: endpoints.aws.lambda, region: endpoints.region, credentials: localCredentials });
    const listed = await call('GET', '/admin/switches', admin);
    expect(listed.status).toBe(200);
    cacheSeconds = Number(listed.body.cacheSeconds);
  }, 180_000);

  afterAll(async () => {
    dynamodb?.destroy();
    lambda?.destroy();
    if (runtime) await stopRuntimeProcess(runtime);
    // Its IAM decisions join the shared runtime's, so `npm run iam:report` counts the grants only flips use.
    const decisions = path.join(stateDirectory, 'iam-decisions.jsonl');
    if (existsSync(decisions) && process.env.STOCKADE_ENDPOINTS)
      copyFileSync(decisions, path.join(path.dirname(process.env.STOCKADE_ENDPOINTS), 'iam-decisions.switches.jsonl'));
    rmSync(workDir, { recursive: true, force: true });
  });

  it('lists every switch off, and only to admins', async () => {
    const listed = await call('GET', '/admin/switches', admin);
    expect((listed.body.switches as Json[]).map((s) => [s.name, s.on])).toEqual([
      ['checkout-paused', false],
      ['outbox-relay-stopped', false],
      ['inventory-webhooks-refused', false],
    ]);
    expect(cacheSeconds).toBe(5);
    expect((await call('GET', '/admin/switches', customer)).status).toBe(403);
    expect((await call('PUT', '/admin/switches/checkout-paused', customer, { on: true, reason: 'not mine to pause' })).status).toBe(403);
    expect((await flip('no-such-switch', { on: true, reason: 'typo' })).status).toBe(404);
    expect((await flip('checkout-paused', { on: true })).status).toBe(400);
  }, 30_000);

  it('checkout-paused: POST /checkout answers 503 with Retry-After and writes nothing; resumed, it sells again', async () => {
    const products = (await call('GET', '/products?limit=50')).body.items as Array<{ skus: Array<{ sku: string; available: number }> }>;
    const sku = products.flatMap((p) => p.skus).find((s) => s.available > 2)?.sku as string;
    const ordersBefore = (await call('GET', '/orders', customer)).body.items as Json[];
    const cartBefore = (await call('GET', '/cart', customer)).body;

    expect(await flip('checkout-paused', { on: true, reason: 'INC-17: payments failing' })).toMatchObject({ status: 200, body: { on: true, version: 2 } });
    await afterCacheTime();
    const refused = await call('POST', '/checkout', customer, { items: [{ sku, quantity: 1 }] }, { 'Idempotency-Key': randomUUID() });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 503, title: 'Service unavailable' });
    // Nothing was written: no order, the cart as it was.
    expect((await call('GET', '/orders', customer)).body.items).toEqual(ordersBefore);
    expect((await call('GET', '/cart', customer)).body).toEqual(cartBefore);

    expect((await flip('checkout-paused', { on: false, reason: 'INC-17 resolved' })).status).toBe(200);
    await afterCacheTime();
    const accepted = await call('POST', '/checkout', customer, { items: [{ sku, quantity: 1 }] }, { 'Idempotency-Key': randomUUID() });
    expect(accepted.status).toBe(202);
  }, 90_000);

  it('outbox-relay-stopped: the relay leaves a notice pending while stopped and delivers it once resumed', async () => {
    const providerId = 'north-supply';
    const catalogTable = Object.entries(endpoints.tables).find(([id]) => id.startsWith('CatalogTable'))?.[1] as string;
    const notice: StockNotification = {
      notificationId: `sale-switch-${randomUUID()}-${providerId}`,
      providerId,
      kind: 'sale',
      orderId: `switch-${randomUUID()}`,
      lines: [{ sku: 'SWITCH-PROBE-1', quantity: 1 }],
      at: new Date().toISOString(),
    };
    const functions = CloudAssembly.load(process.env.STOCKADE_TEST_CDK_OUT as string, 'dev').resourcesOfType('AWS::Lambda::Function');
    const relayName = generatedName(functions.find((r) => r.logicalId.startsWith('RelayStockNotifications')) as TemplateResource, 64);
    const runRelay = async () => {
      const out = await lambda.send(new InvokeCommand({ FunctionName: relayName, Payload: Buffer.from(JSON.stringify({ source: 'aws.events' })) }));
      const payload = Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8');
      if (out.FunctionError) throw new Error(`the relay failed: ${payload}`);
      return JSON.parse(payload) as Json;
    };
    const status = async () => {
      const { Item } = await dynamodb.send(
        new GetItemCommand({
          TableName: catalogTable,
          Key: marshall({ pk: `OUTBOX#${providerId}`, sk: `${notice.at}#${notice.notificationId}` }),
          ConsistentRead: true,
        }),
      );
      return Item ? String(unmarshall(Item).status) : undefined;
    };
    const delivered = async () =>
      (await providerSales(endpoints, providerId)).notifications.some((n) => n.notification.notificationId === notice.notificationId);

    expect((await flip('outbox-relay-stopped', { on: true, reason: 'north-supply asked for a pause' })).status).toBe(200);
    await afterCacheTime();
    // The notice a sale would write, written as the stock ledger's transaction writes it.
    await dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [outboxPut(catalogTable, notice)] }));
    expect(await runRelay()).toEqual({ providers: [], stopped: true });
    expect(await status()).toBe('PENDING');
    expect(await delivered()).toBe(false);

    expect((await flip('outbox-relay-stopped', { on: false, reason: 'north-supply is ready' })).status).toBe(200);
    await afterCacheTime();
    await runRelay(); // (or the every-minute schedule, whichever comes first)
    await until('the notice to be delivered', async () => ((await delivered()) ? true : undefined), 20_000);
    expect(await status()).not.toBe('PENDING');
  }, 90_000);

  it("inventory-webhooks-refused: the refused provider's webhook answers 503 with Retry-After; another provider's is accepted", async () => {
    const event = () => ({ eventId: `evt-${randomUUID()}`, occurredAt: new Date().toISOString(), updates: [{ externalSku: 'SWITCH-PROBE', quantity: 1 }] });
    expect(await flip('inventory-webhooks-refused', { on: true, reason: 'acme sends garbage', providers: ['acme-warehouse'] })).toMatchObject({
      status: 200,
      body: { on: true, providers: ['acme-warehouse'] },
    });
    expect((await flip('inventory-webhooks-refused', { on: true, reason: 'x', providers: ['unknown-provider'] })).status).toBe(400);
    await afterCacheTime();
    const refused = await sendInventoryWebhook(endpoints, 'acme-warehouse', event());
    expect(refused).toMatchObject({ status: 503, contentType: expect.stringContaining('application/problem+json') as unknown });
    const refusedRaw = await fetch(`${endpoints.apiUrl}/webhooks/inventory/acme-warehouse`, {
      method: 'POST',
      body: '{}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(refusedRaw.headers.get('retry-after')).toBe('300');
    expect((await sendInventoryWebhook(endpoints, 'north-supply', event())).status).toBe(202);

    expect((await flip('inventory-webhooks-refused', { on: false, reason: 'acme fixed its feed', providers: ['acme-warehouse'] })).status).toBe(200);
    await afterCacheTime();
    expect((await sendInventoryWebhook(endpoints, 'acme-warehouse', event())).status).toBe(202);
  }, 90_000);

  it('npm run switch lists and flips through the same route, signed in as the demo admin', async () => {
    expect(await cli('--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: npm run switch') as unknown });
    expect((await cli('checkout-paused', 'maybe')).code).toBe(2);
    expect((await cli('checkout-paused', 'on')).code).toBe(2); // no --reason
    const listed = await cli('list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/checkout-paused\s+off/);
    const flipped = await cli('outbox-relay-stopped', 'off', '--reason', 'checked from the CLI');
    expect(flipped).toMatchObject({ code: 0, stdout: expect.stringContaining('outbox-relay-stopped is off; audited.') as unknown });
    expect((await cli('inventory-webhooks-refused', 'on', '--provider', 'nobody-at-all', '--reason', 'typo')).code).toBe(1);
  }, 90_000);

  it('has every flip in the audit trail: actor, action, target, outcome, source IP, reason and request id', async () => {
    const events = (await call('GET', '/admin/audit?limit=100', admin)).body.items as Json[];
    const flips = events.filter((e) => e.action === 'switch.flip');
    const reasons = flips.map((e) => String(e.detail));
    for (const reason of [
      'INC-17: payments failing',
      'INC-17 resolved',
      'north-supply asked for a pause',
      'north-supply is ready',
      'acme sends garbage',
      'acme fixed its feed',
      'checked from the CLI',
    ])
      expect(reasons.some((d) => d.includes(`reason: ${reason}`))).toBe(true);
    const paused = flips.find((e) => String(e.detail).includes('INC-17: payments failing')) as Json;
    expect(paused).toMatchObject({
      target: 'switch:checkout-paused',
      outcome: 'succeeded',
      sourceIp: expect.any(String) as unknown,
      requestId: expect.any(String) as unknown,
    });
    expect(paused.actor).toEqual(expect.any(String));
    // Refusals are audited too.
    expect(flips.some((e) => e.target === 'switch:no-such-switch' && e.outcome === 'failed')).toBe(true);
  }, 30_000);
});
