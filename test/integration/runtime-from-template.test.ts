import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App, Duration } from 'aws-cdk-lib';
import { addStockadeStage } from '../../lib/app';
import { resolveStageConfig } from '../../lib/config/stages';
import { StockadeQueue } from '../../lib/constructs/stockade-queue';
import { StockadeTable } from '../../lib/constructs/stockade-table';
import { readEndpoints, startRuntimeProcess, stopRuntimeProcess, type RuntimeProcess } from '../setup/local-runtime-process';
import { localCredentials } from '../support/endpoints';
import type { Endpoints } from '../../local/runtime';

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
    const app = new App({ outdir: cdkOut, context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-asset-metadata': true } });
    const config = resolveStageConfig({ stage: 'dev' });
    const stacks = addStockadeStage(app, config);
    const stageContext = { config, key: stacks.secrets.key };
    new StockadeTable(stacks.data, 'ExtraTestTable', { stageContext, indexes: [{ indexName: 'byThing', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }], timeToLiveAttribute: 'expiresAt' });
    new StockadeQueue(stacks.messaging, 'ExtraTestQueue', { stageContext, alarmTopic: stacks.messaging.alarmTopic, consumerTimeout: Duration.seconds(20), maxReceiveCount: 4 });
    app.synth();
    runtime = await startRuntimeProcess({ cdkOut, stateDirectory: path.join(workDir, 'state') });
    endpoints = readEndpoints<Endpoints>(runtime.endpointsFile);
  }, 120_000);

  afterAll(async () => {
    if (runtime) await stopRuntimeProcess(runtime);
    rmSync(workDir, { recursive: true, force: true });
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
