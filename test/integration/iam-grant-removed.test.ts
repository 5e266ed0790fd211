import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { IamDecision } from '../../local/aws/iam/iam';
import { signInWithPassword } from '../../local/clients/sign-in';
import type { Endpoints } from '../../local/runtime/local-runtime';
import { readEndpoints, type RuntimeProcess, startRuntimeProcess, stopRuntimeProcess } from '../setup/local-runtime-process';
import { apiCaller } from '../support/api';
import { localCredentials, stripeClient } from '../support/endpoints';
import { until } from '../support/until';

type Json = Record<string, unknown>;
type Statement = { Action: string | string[]; Resource: unknown };

/**
 * Least privilege is only worth as much as the proof that each grant is needed: the test runtime's assembly with one
 * grant taken out (CommitOrder's DynamoDB access to the catalog table, whose SKU and hold items it commits) is booted
 * as a runtime of its own, and a paid order then fails exactly where AWS would make it fail: CommitOrder is refused
 * with AccessDeniedException, the saga compensates (hold released, payment refunded, order FAILED) and the decision
 * log names the function, the action and the table.
 */
describe('a grant removed from the template fails the flow that needs it (IAM enforced locally)', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'stockade-grant-removed-'));
  const cdkOut = path.join(workDir, 'cdk.out');
  const stateDirectory = path.join(workDir, 'state');
  let runtime: RuntimeProcess | undefined;
  let endpoints: Endpoints;

  beforeAll(async () => {
    const source = process.env.STOCKADE_TEST_CDK_OUT;
    if (!source) throw new Error('STOCKADE_TEST_CDK_OUT is not set: run this test through the integration project');
    cpSync(source, cdkOut, { recursive: true });
    const file = path.join(cdkOut, 'Stockade-dev-Workflow.template.json');
    const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources: Record<string, { Type: string; Properties: Json }> };
    const policies = Object.entries(template.Resources).filter(
      ([id, r]) => id.startsWith('CommitOrderFunctionRolePolicy') && r.Type === 'AWS::IAM::ManagedPolicy',
    );
    expect(policies).toHaveLength(1);
    const statements = ((policies[0]?.[1].Properties.PolicyDocument as { Statement: Statement[] }).Statement ?? []).filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('dynamodb:')),
    );
    let removed = 0;
    for (const statement of statements) {
      const resources = [statement.Resource].flat();
      const kept = resources.filter((r) => !JSON.stringify(r).includes('CatalogTable'));
      removed += resources.length - kept.length;
      statement.Resource = kept;
    }
    // The table and its indexes.
    expect(removed).toBeGreaterThan(0);
    writeFileSync(file, JSON.stringify(template));
    runtime = await startRuntimeProcess({ cdkOut, stateDirectory, extraArgs: ['--no-throttle', '--no-waf-rate-rules'], timeoutMs: 120_000 });
    endpoints = readEndpoints<Endpoints>(runtime.endpointsFile);
  }, 180_000);

  afterAll(async () => {
    if (runtime) await stopRuntimeProcess(runtime);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('CommitOrder is denied its catalog writes, the saga compensates, and the decision log says why', async () => {
    expect(endpoints.iam.enforced).toBe(true);
    const call = apiCaller(endpoints.apiUrl);
    const cognito = new CognitoIdentityProviderClient({ endpoint: endpoints.cognito?.endpoint, region: endpoints.region, credentials: localCredentials });
    const customer = endpoints.users?.customer;
    if (!customer || !endpoints.cognito) throw new Error('The runtime seeded no demo customer');
    const token = (await signInWithPassword(cognito, endpoints.cognito.clientId, customer)).AccessToken;
    cognito.destroy();

    const products = (await call('GET', '/products')).body.items as Array<{ productId: string; skus: Array<{ sku: string; available: number }> }>;
    const product = products.find((p) => p.skus.some((s) => s.available > 0));
    const sku = product?.skus.find((s) => s.available > 0)?.sku as string;
    const available = async () =>
      ((await call('GET', `/products/${product?.productId}`)).body.skus as Array<{ sku: string; available: number }>).find((s) => s.sku === sku)?.available;
    const before = await available();

    const accepted = await call('POST', '/checkout', token, { items: [{ sku, quantity: 1 }] }, { 'Idempotency-Key': randomUUID() });
    expect(accepted.status).toBe(202);
    const orderId = String(accepted.body.orderId);
    const order = () => call('GET', `/orders/${orderId}`, token).then((r) => r.body as Json & { status: string; payment?: { paymentIntentId: string } });
    const awaiting = await until('AWAITING_PAYMENT', async () => ((await order()).status === 'AWAITING_PAYMENT' ? order() : undefined), 60_000);
    // ReserveStock (its own grants intact) took the unit.
    expect(await available()).toBe((before as number) - 1);

    const stripe = stripeClient(endpoints);
    const paymentIntentId = awaiting.payment?.paymentIntentId as string;
    await stripe.paymentIntents.confirm(paymentIntentId, { payment_method: 'pm_card_visa' });
    const ended = await until(
      'the order to end',
      async () => {
        const o = await order();
        return ['FAILED', 'CONFIRMED', 'FULFILLED'].includes(o.status) ? o : undefined;
      },
      90_000,
    );

    // Compensated as the saga's Catch leads it: hold released, the captured payment refunded, the order FAILED.
    expect(ended.status).toBe('FAILED');
    expect(await available()).toBe(before);
    const refunds = await stripe.refunds.list({ payment_intent: paymentIntentId });
    expect(refunds.data.map((r) => r.status)).toEqual(['succeeded']);

    const decisions = readFileSync(endpoints.iam.decisionLog, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as IamDecision);
    const denied = decisions.filter((d) => d.decision === 'deny' && d.function.includes('CommitOrder'));
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((d) => d.action.startsWith('dynamodb:') && /:table\/[^/]*Catalog/.test(d.resource))).toBe(true);
    // The function met AWS's own refusal, naming its role session, the action and the table.
    const logFile = readdirSync(path.join(stateDirectory, 'logs')).find((f) => f.startsWith('CommitOrder'));
    const log = readFileSync(path.join(stateDirectory, 'logs', logFile ?? 'CommitOrder.log'), 'utf8');
    expect(log).toMatch(/AccessDeniedException/);
    expect(log).toMatch(/is not authorized to perform: dynamodb:\w+ on resource: arn:aws:dynamodb:[^ ]+:table\/[^ ]*Catalog/);
  }, 240_000);
});
