import { statSync } from 'node:fs';
import * as path from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CloudAssembly } from '../../local/runtime/assembly';
import { localCredentials, testEndpoints } from '../support/endpoints';

/** Every table and queue of the synthesized dev stage exists locally with the template's keys and settings. */
describe('resources provisioned from the dev template', () => {
  const endpoints = testEndpoints();
  const assembly = CloudAssembly.load(process.env.STOCKADE_TEST_CDK_OUT as string, 'dev');
  const ddb = new DynamoDBClient({ endpoint: endpoints.aws.dynamodb, region: endpoints.region, credentials: localCredentials });
  const sqs = new SQSClient({ endpoint: endpoints.aws.sqs, region: endpoints.region, credentials: localCredentials });
  afterAll(() => {
    ddb.destroy();
    sqs.destroy();
  });

  const tables = assembly.resourcesOfType('AWS::DynamoDB::Table');
  const queues = assembly.resourcesOfType('AWS::SQS::Queue');

  it('the template has the five tables of the architecture and a DLQ per queue', () => {
    expect(tables.map((t) => t.logicalId.replace(/[A-F0-9]{8}$/, '')).sort()).toEqual([
      'AuditTable',
      'CatalogTable',
      'IdempotencyTable',
      'OrdersTable',
      'PaymentsTable',
    ]);
    expect(queues.length).toBeGreaterThanOrEqual(2);
  });

  it.each(tables.map((t) => [t.logicalId, t] as const))('table %s has the template key schema, indexes and TTL', async (logicalId, table) => {
    const name = endpoints.tables[logicalId];
    expect(name).toBeDefined();
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.KeySchema).toEqual(table.properties.KeySchema);
    const byName = (a: { IndexName?: string }, b: { IndexName?: string }) => String(a.IndexName).localeCompare(String(b.IndexName));
    const expectedIndexes = ((table.properties.GlobalSecondaryIndexes ?? []) as Array<{ IndexName: string; KeySchema: unknown }>)
      .map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema }))
      .sort(byName);
    const actualIndexes = (Table?.GlobalSecondaryIndexes ?? []).map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema })).sort(byName);
    expect(actualIndexes).toEqual(expectedIndexes);
    const ttl = table.properties.TimeToLiveSpecification as { AttributeName: string } | undefined;
    const { TimeToLiveDescription } = await ddb.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(TimeToLiveDescription?.AttributeName).toBe(ttl?.AttributeName);
  });

  it.each(queues.map((q) => [q.logicalId, q] as const))('queue %s has the template FIFO, visibility and redrive settings', async (logicalId, queue) => {
    const url = endpoints.queues[logicalId];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    const p = queue.properties as { FifoQueue?: boolean; VisibilityTimeout?: number; RedrivePolicy?: { maxReceiveCount: number } };
    expect(Attributes.FifoQueue === 'true').toBe(p.FifoQueue === true);
    if (p.VisibilityTimeout !== undefined) expect(Number(Attributes.VisibilityTimeout)).toBe(p.VisibilityTimeout);
    if (p.RedrivePolicy)
      expect(Number((JSON.parse(Attributes.RedrivePolicy ?? '{}') as { maxReceiveCount: number }).maxReceiveCount)).toBe(p.RedrivePolicy.maxReceiveCount);
  });

  it('plays the whole stage, the IAM-only DeployAccess stack (GitHub OIDC provider, deploy roles) included', () => {
    expect(assembly.stacks.map((s) => s.stackName)).toContain('Stockade-dev-DeployAccess');
    expect(assembly.resourcesOfType('AWS::IAM::OIDCProvider')).toHaveLength(1);
  });

  it('writes endpoints.json readable only by its owner', () => {
    const { mode } = statSync(process.env.STOCKADE_ENDPOINTS as string);
    expect(mode & 0o077).toBe(0);
    expect(path.basename(process.env.STOCKADE_ENDPOINTS as string)).toBe('endpoints.json');
  });
});
