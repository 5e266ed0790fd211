import type { EnvName } from '../../shared/config/env-names';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App, Duration } from 'aws-cdk-lib';
import { addStockadeStage } from '../../lib/app';
import { resolveStageConfig } from '../../lib/config/stages';
import { StockadeFunction } from '../../lib/constructs/stockade-function';
import { StockadeQueue } from '../../lib/constructs/stockade-queue';
import { StockadeTable } from '../../lib/constructs/stockade-table';
import { readEndpoints, startRuntimeProcess, stopRuntimeProcess, type RuntimeProcess } from '../setup/local-runtime-process';
import { localCredentials } from '../support/endpoints';
import type { Endpoints } from '../../local/runtime/local-runtime';

/**
 * The local runtime has no list of its own: a table or queue added to a stack appears locally with no other edit,
 * and Ctrl-C leaves no process behind.
 */
describe('local runtime built from the synthesized template', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'stockade-extra-'));
  const cdkOut = path.join(workDir, 'cdk.out');
  let runtime: RuntimeProcess;
  let endpoints: Endpoints;

  beforeAll(async () => {
    const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
    // Bundled: the messaging stack (the test consumer) and the auth stack (its triggers run when users are seeded).
    const app = new App({
      outdir: cdkOut,
      context: {
        ...cdkJson.context,
        'aws:cdk:bundling-stacks': ['Stockade-dev-Messaging', 'Stockade-dev-Auth'],
        'aws:cdk:enable-asset-metadata': true,
        '@aws-cdk/core:failSynthOnValidationErrors': false,
      },
    });
    const config = resolveStageConfig({ stage: 'dev' });
    const stacks = addStockadeStage(app, config);
    const stageContext = { config, key: stacks.secrets.key };
    const extraTable = new StockadeTable(stacks.data, 'ExtraTestTable', {
      stageContext,
      indexes: [{ indexName: 'byThing', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
      timeToLiveAttribute: 'expiresAt',
    });
    new StockadeQueue(stacks.messaging, 'ExtraTestQueue', {
      stageContext,
      alarmTopic: stacks.messaging.alarmTopic,
      consumerTimeout: Duration.seconds(20),
      maxReceiveCount: 4,
    });
    const consumed = new StockadeQueue(stacks.messaging, 'ExtraConsumed', {
      stageContext,
      alarmTopic: stacks.messaging.alarmTopic,
      consumerTimeout: Duration.seconds(1),
      maxReceiveCount: 3,
    });
    new StockadeFunction(stacks.messaging, 'ExtraTestConsumer', {
      stageContext,
      entry: path.join(__dirname, '..', 'fixtures', 'functions', 'record-messages.ts'),
      service: 'test-consumer',
      timeout: Duration.seconds(1),
    })
      .bindTable('RECORD_TABLE' as EnvName, extraTable, 'readWrite') // the test fixture's own variable
      .consumeQueue(consumed, { batchSize: 10 });
    app.synth();
    // The API stack is not bundled here, so no demo catalog (it is created through the API).
    runtime = await startRuntimeProcess({ cdkOut, stateDirectory: path.join(workDir, 'state'), extraArgs: ['--no-demo-data'] });
    endpoints = readEndpoints<Endpoints>(runtime.endpointsFile);
  }, 120_000);

  afterAll(async () => {
    if (runtime) await stopRuntimeProcess(runtime);
    if (!process.env.KEEP_WORKDIR) rmSync(workDir, { recursive: true, force: true });
  });

  it('creates a table added to the data stack, with its index and TTL', async () => {
    const ddb = new DynamoDBClient({ endpoint: endpoints.aws.dynamodb, region: endpoints.region, credentials: localCredentials });
    const { TableNames = [] } = await ddb.send(new ListTablesCommand({}));
    const extra = TableNames.find((n) => n.includes('ExtraTestTable'));
    expect(extra).toBeDefined();
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: extra }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byThing']);
    ddb.destroy();
  });

  it('creates a queue added to the messaging stack, with its DLQ redrive and 6x visibility timeout', async () => {
    const sqs = new SQSClient({ endpoint: endpoints.aws.sqs, region: endpoints.region, credentials: localCredentials });
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
    const queue = QueueUrls.find((u) => u.includes('ExtraTestQueue') && !u.includes('Dlq'));
    const dlq = QueueUrls.find((u) => u.includes('ExtraTestQueueDlq'));
    expect(queue).toBeDefined();
    expect(dlq).toBeDefined();
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue, AttributeNames: ['All'] }));
    expect(Attributes?.VisibilityTimeout).toBe('120');
    const redrive = JSON.parse(Attributes?.RedrivePolicy ?? '{}') as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
    expect(redrive.deadLetterTargetArn).toContain('ExtraTestQueueDlq');
    expect(Number(redrive.maxReceiveCount)).toBe(4);
    sqs.destroy();
  });

  it('runs a queue consumer from its event source mapping: 9 of 10 applied, the poison message dead-lettered after maxReceiveCount, none lost', async () => {
    const sqs = new SQSClient({ endpoint: endpoints.aws.sqs, region: endpoints.region, credentials: localCredentials });
    const ddb = new DynamoDBClient({ endpoint: endpoints.aws.dynamodb, region: endpoints.region, credentials: localCredentials });
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
    const queueUrl = QueueUrls.find((u) => u.includes('ExtraConsumed') && !u.includes('Dlq')) as string;
    const dlqUrl = QueueUrls.find((u) => u.includes('ExtraConsumedDlq')) as string;
    const { TableNames = [] } = await ddb.send(new ListTablesCommand({}));
    const table = TableNames.find((n) => n.includes('ExtraTestTable')) as string;

    const bodies = ['m1', 'm2', 'm3', 'm4', 'poison', 'm5', 'm6', 'm7', 'm8', 'm9'];
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: bodies.map((b, i) => ({ Id: String(i), MessageBody: b })) }));

    const applied = async () =>
      (await ddb.send(new ScanCommand({ TableName: table, FilterExpression: 'sk = :s', ExpressionAttributeValues: { ':s': { S: 'MSG' } } }))).Items ?? [];
    const inDlq = async () =>
      Number(
        (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes
          ?.ApproximateNumberOfMessages ?? 0,
      );
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && ((await applied()).length < 9 || (await inDlq()) < 1)) await new Promise((r) => setTimeout(r, 500));

    const items = await applied();
    expect(items.map((i) => i.pk?.S).sort()).toEqual(
      bodies
        .filter((b) => b !== 'poison')
        .map((b) => `MSG#${b}`)
        .sort(),
    );
    expect(await inDlq()).toBe(1);
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }));
    expect(dead.Messages?.map((m) => m.Body)).toEqual(['poison']);
    expect(Number(dead.Messages?.[0]?.Attributes?.ApproximateReceiveCount)).toBeGreaterThanOrEqual(3);
    const source = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(Number(source.Attributes?.ApproximateNumberOfMessages) + Number(source.Attributes?.ApproximateNumberOfMessagesNotVisible)).toBe(0);
    sqs.destroy();
    ddb.destroy();
  }, 90_000);

  it('plays the stage throttle: past the burst, the gateway answers 429 problem+json itself', async () => {
    // The dev stage: 50 requests a second, bursts of 100 (lib/config/stages.ts). A bounded burst on loopback, of CORS
    // preflights (answered by the gateway's mock integration: this app's API functions are not bundled).
    const started = performance.now();
    const responses = await Promise.all(
      Array.from({ length: 160 }, () => fetch(`${endpoints.apiUrl}/health`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:3000' } })),
    );
    const elapsedSeconds = (performance.now() - started) / 1000;
    const throttled = responses.filter((r) => r.status === 429);
    const through = responses.length - throttled.length;
    expect(through).toBeLessThanOrEqual(100 + Math.ceil(50 * elapsedSeconds));
    expect(throttled.length).toBeGreaterThan(0);
    const problem = (await throttled[0]!.json()) as Record<string, unknown>;
    expect(throttled[0]!.headers.get('content-type')).toBe('application/problem+json');
    expect(problem).toMatchObject({ status: 429, title: 'Too many requests', instance: '/health' });
    await Promise.all(responses.filter((r) => !r.bodyUsed).map((r) => r.body?.cancel()));
  }, 30_000);

  it('stops every process it started on SIGINT', async () => {
    const pids = JSON.parse(readFileSync(path.join(workDir, 'state', 'pids.json'), 'utf8')) as Array<{ pid: number }>;
    expect(pids.length).toBeGreaterThan(0);
    const code = await stopRuntimeProcess(runtime);
    expect(code).toBe(0);
    for (const { pid } of pids) {
      expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    }
    expect(() => readFileSync(runtime.endpointsFile)).toThrow();
  });
});
