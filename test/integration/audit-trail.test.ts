import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { type AttributeValue, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { STAGE_DEFAULTS } from '../../lib/config/stages';
import { PROJECT_ROOT } from '../../local/runtime/synth';
import { DynamoDbAuditChainStore, DynamoDbAuditLog } from '../../shared/adapters/dynamodb-audit-log';
import { seqKey, verifyAuditTrail } from '../../shared/domain/operations/audit-chain';
import type { AuditChainHead } from '../../shared/ports/audit-chain';
import { dynamoDbClient, tableNamed, testEndpoints } from '../support/endpoints';

const run = promisify(execFile);

/**
 * The tamper-evident audit trail on the local runtime: real appends through the audit writer (50 at once keep every
 * chain valid), then an item changed, deleted or inserted directly in DynamoDB Local is reported by npm run
 * audit:verify with its key and a non-zero exit; the untouched trail verifies clean. With IAM enforced, a function's
 * UpdateItem on the audit table is refused by the table's resource policy.
 */
describe('audit trail hash chains', () => {
  const endpoints = testEndpoints();
  const admin = dynamoDbClient(endpoints);
  // As the functions build their client: conflicts retried by the SDK first (shared/adapters/dynamodb-conflict-retry.ts).
  const writerClient = dynamoDbClient(endpoints);
  const table = tableNamed(endpoints, 'AuditTable');
  const shards = STAGE_DEFAULTS.dev.audit.shards;
  const audit = new DynamoDbAuditLog(writerClient, table, shards);
  const chains = new DynamoDbAuditChainStore(admin, table, shards);
  const stateDir = path.dirname(process.env.STOCKADE_ENDPOINTS as string);
  afterAll(() => [admin, writerClient].forEach((c) => c.destroy()));

  const verifyCli = async (): Promise<{ code: number; out: string }> => {
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'local/cli/audit-verify.ts', '--state-dir', stateDir], {
        cwd: PROJECT_ROOT,
        timeout: 60_000,
      });
      return { code: 0, out: stdout };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  };
  const entryKey = (head: AuditChainHead, seq: number): Record<string, AttributeValue> => ({
    pk: { S: `AUDIT#${head.month}#${head.shard}` },
    sk: { S: seqKey(seq) },
  });
  /** A shard whose whole chain lies in one month, with at least three entries. */
  const aShard = async (): Promise<AuditChainHead> => {
    for (let shard = 0; shard < shards; shard++) {
      const head = await chains.head(shard);
      if (head && head.seq >= 3 && head.since === head.month) return head;
    }
    throw new Error('No shard with three entries in one month');
  };

  it('keeps every chain valid under 50 concurrent appends', async () => {
    // Each adapter attempt (the SDK's own conflict retries inside it) and those that lost their shard's head.
    const attempts = { transactions: 0, lost: 0 };
    writerClient.middlewareStack.add(
      (next, context) => async (args) => {
        const counted = context.commandName === 'TransactWriteItemsCommand';
        if (counted) attempts.transactions += 1;
        try {
          return await next(args);
        } catch (error) {
          if (counted) attempts.lost += 1;
          throw error;
        }
      },
      { step: 'initialize', name: 'auditTestAttempts' },
    );
    const latencies: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const t0 = performance.now();
        await audit.append({
          at: new Date().toISOString(),
          actor: 'audit-test',
          action: 'test.append',
          target: `item/${i}`,
          outcome: 'succeeded',
          detail: `append ${i}`,
        });
        latencies.push(performance.now() - t0);
      }),
    );
    const wall = performance.now() - started;
    latencies.sort((a, b) => a - b);
    const reports = await verifyAuditTrail(chains, { full: true });
    expect(reports.filter((r) => r.broken)).toEqual([]);
    expect(reports.reduce((n, r) => n + r.checked, 0)).toBeGreaterThanOrEqual(50);
    expect(attempts.transactions - attempts.lost).toBe(50);
    console.log(
      `50 concurrent appends over ${shards} shards: ${Math.round(wall)} ms wall, p50 ${Math.round(latencies[24] ?? 0)} ms, p99 ${Math.round(latencies[49] ?? 0)} ms, ` +
        `${attempts.transactions} transactions (${attempts.lost} lost the head and were tried again)`,
    );
  }, 120_000);

  it('finds every chain intact while appends go on: an entry appended during the walk is left to the next run', async () => {
    // Four writers append until the verifications are done (at most 400 entries), so heads move while chains are walked.
    let verifying = true;
    let appended = 0;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      while (verifying && appended < 400) {
        await audit.append({ at: new Date().toISOString(), actor: 'audit-test', action: 'test.append', target: `writer/${w}`, outcome: 'succeeded' });
        appended += 1;
      }
    });
    const rounds: Awaited<ReturnType<typeof verifyAuditTrail>>[] = [];
    try {
      for (let round = 0; round < 6; round++) rounds.push(await verifyAuditTrail(chains, { full: true }));
    } finally {
      verifying = false;
      await Promise.all(writers);
    }
    expect(rounds.flat().filter((r) => r.broken)).toEqual([]);
    expect(appended).toBeGreaterThan(0);
    // After the writers stopped the trail is intact; other suites append meanwhile, so a live head may be further on.
    const settled = await verifyAuditTrail(chains, { full: true });
    expect(settled.filter((r) => r.broken)).toEqual([]);
    for (const report of settled) expect(report.head?.seq).toBeLessThanOrEqual((await chains.head(report.shard))?.seq ?? 0);
  }, 120_000);

  it('runs the scheduled verification as its own role: every chain intact, the heads anchored once', async () => {
    const [functionName] = Object.entries(endpoints.functions).find(([name]) => name.includes('VerifyAuditTrail')) ?? [];
    if (!functionName) throw new Error('The runtime has no VerifyAuditTrail function');
    const lambda = new LambdaClient({ endpoint: endpoints.aws.lambda, region: endpoints.region, credentials: endpoints.aws.credentials });
    const invoke = async () => {
      const out = await lambda.send(
        new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify({ source: 'aws.events', 'detail-type': 'Scheduled Event' })) }),
      );
      expect(out.FunctionError).toBeUndefined();
      return JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8')) as { shards: number; broken: number; anchored: number };
    };
    try {
      const first = await invoke();
      expect(first).toMatchObject({ shards, broken: 0 });
      expect(first.anchored).toBeGreaterThan(0);
      for (let shard = 0; shard < shards; shard++) {
        const [head, anchor] = await Promise.all([chains.head(shard), chains.latestAnchor(shard)]);
        if (head && anchor) expect(anchor.seq).toBeLessThanOrEqual(head.seq);
      }
      expect(await invoke()).toMatchObject({ broken: 0 });
    } finally {
      lambda.destroy();
    }
  }, 120_000);

  it('verifies the untouched trail clean with npm run audit:verify', async () => {
    const { code, out } = await verifyCli();
    expect(out).toContain('every link intact');
    expect(code).toBe(0);
  }, 90_000);

  /** Tampers with seq 2 of a shard directly in DynamoDB, expects audit:verify to report `kind` naming the entry at `reportedSeq`, then restores it. */
  const tamperWithSecondEntry = async (tamper: (key: Record<string, AttributeValue>) => Promise<unknown>, kind: string, reportedSeq: number) => {
    const head = await aShard();
    const key = entryKey(head, 2);
    const original = (await admin.send(new GetItemCommand({ TableName: table, Key: key }))).Item as Record<string, AttributeValue>;
    await tamper(key);
    const broken = await verifyCli();
    expect(broken.code).toBe(1);
    expect(broken.out).toContain(`shard ${head.shard}: ${kind} at seq 2`);
    expect(broken.out).toContain(`AUDIT#${head.month}#${head.shard} / ${seqKey(reportedSeq)}`);
    await admin.send(new PutItemCommand({ TableName: table, Item: original }));
    expect((await verifyCli()).code).toBe(0);
  };

  it('reports an entry changed in DynamoDB with its key, and verifies clean once it is restored', async () => {
    await tamperWithSecondEntry(
      (key) =>
        admin.send(
          new UpdateItemCommand({
            TableName: table,
            Key: key,
            UpdateExpression: 'SET detail = :d',
            ExpressionAttributeValues: { ':d': { S: 'nothing to see' } },
          }),
        ),
      'edited',
      2,
    );
  }, 180_000);

  it('reports an entry deleted in DynamoDB, naming the entry after the gap', async () => {
    await tamperWithSecondEntry((key) => admin.send(new DeleteItemCommand({ TableName: table, Key: key })), 'deleted', 3);
  }, 180_000);

  it('reports an item inserted in DynamoDB', async () => {
    const head = await aShard();
    const forged = {
      pk: { S: `AUDIT#${head.month}#${head.shard}` },
      sk: { S: `${seqKey(1)}#forged` },
      at: { S: new Date().toISOString() },
      actor: { S: 'nobody' },
    };
    await admin.send(new PutItemCommand({ TableName: table, Item: forged }));
    const inserted = await verifyCli();
    expect(inserted.code).toBe(1);
    expect(inserted.out).toContain(`shard ${head.shard}: inserted`);
    expect(inserted.out).toContain(`AUDIT#${head.month}#${head.shard} / ${seqKey(1)}#forged`);
    await admin.send(new DeleteItemCommand({ TableName: table, Key: { pk: forged.pk, sk: forged.sk } }));
    expect((await verifyCli()).code).toBe(0);
  }, 180_000);

  it("refuses a function's UpdateItem on the audit table through the table's resource policy", async () => {
    expect(endpoints.iam.enforced).toBe(true);
    const [functionName, session] = Object.entries(endpoints.functions).find(([name]) => name.includes('RefundOrder')) ?? [];
    if (!functionName || !session) throw new Error('The runtime has no RefundOrder function credentials in endpoints.json');
    const asFunction = new DynamoDBClient({
      endpoint: endpoints.aws.dynamodb,
      region: endpoints.region,
      credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken },
      maxAttempts: 1,
    });
    try {
      const head = await aShard();
      const error = (await asFunction
        .send(
          new UpdateItemCommand({
            TableName: table,
            Key: entryKey(head, 1),
            UpdateExpression: 'SET detail = :d',
            ExpressionAttributeValues: { ':d': { S: 'x' } },
          }),
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        )) as { name?: string; message?: string } | undefined;
      expect(error?.name).toBe('AccessDeniedException');
      expect(error?.message).toContain('dynamodb:UpdateItem');
      expect(error?.message).toContain('with an explicit deny in a resource-based policy');
      const del = (await asFunction.send(new DeleteItemCommand({ TableName: table, Key: entryKey(head, 1) })).then(
        () => undefined,
        (e: unknown) => e,
      )) as { name?: string; message?: string } | undefined;
      expect(del?.message).toContain('with an explicit deny in a resource-based policy');
    } finally {
      asFunction.destroy();
    }
  }, 60_000);
});
