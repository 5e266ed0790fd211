import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { build } from 'esbuild';
import { readRestApis } from '../../local/aws/apigw/rest-api-model';
import { RestApiServer } from '../../local/aws/apigw/rest-api-server';
import { LambdaInvokeServer } from '../../local/aws/lambda/invoke-server';
import { LambdaService } from '../../local/aws/lambda/lambda-service';
import { SqsEventSourceService } from '../../local/aws/lambda/sqs-event-source';
import type { SqsService } from '../../local/aws/sqs/sqs';
import { CloudAssembly } from '../../local/runtime/assembly';
import { IntrinsicResolver } from '../../local/runtime/intrinsics';
import { localCredentials, testEndpoints } from '../support/endpoints';

const STACK = 'Stockade-dev-Limits';

/** A function of the fixture bundle, with the template's limits. */
const fn = (properties: Record<string, unknown>) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', MemorySize: 128, ...properties },
  Metadata: { 'aws:asset:path': 'asset.limits' },
});

const method = (resource: string, target: string, timeoutMs?: number) => ({
  Type: 'AWS::ApiGateway::Method',
  Properties: {
    RestApiId: { Ref: 'Api' },
    ResourceId: { Ref: resource },
    HttpMethod: 'GET',
    AuthorizationType: 'NONE',
    Integration: {
      Type: 'AWS_PROXY',
      Uri: { 'Fn::Join': ['', ['arn:aws:apigateway:eu-west-1:lambda:path/functions/', { 'Fn::GetAtt': [target, 'Arn'] }, '/invocations']] },
      ...(timeoutMs ? { TimeoutInMillis: timeoutMs } : {}),
    },
  },
});

const resource = (pathPart: string) => ({
  Type: 'AWS::ApiGateway::Resource',
  Properties: { RestApiId: { Ref: 'Api' }, ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] }, PathPart: pathPart },
});

/**
 * Lambda's limits, played by the local Lambda service from the template: the function's Timeout (Sandbox.Timedout,
 * and a fresh execution environment afterwards), ReservedConcurrentExecutions (TooManyRequestsException) and the 6 MB
 * synchronous payloads, seen through the Lambda Invoke API (the real SDK client) and through API Gateway.
 */
describe('Lambda limits in the local runtime', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stockade-limits-'));
  let lambdas: LambdaService;
  let invokeServer: LambdaInvokeServer;
  let api: RestApiServer;
  let client: LambdaClient;
  let sqsClient: SQSClient;
  let eventSources: SqsEventSourceService;
  let queues: { queue: string; dlq: string };

  const invoke = async (functionName: string, payload: unknown) => {
    const out = await client.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }));
    return { functionError: out.FunctionError, payload: JSON.parse(Buffer.from(out.Payload ?? []).toString('utf8')) as Record<string, unknown> };
  };
  const nameOf = (logicalId: string) => lambdas.get(logicalId).definition.functionName;

  beforeAll(async () => {
    await build({
      entryPoints: [path.join(__dirname, '..', 'fixtures', 'functions', 'limits.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: path.join(dir, 'asset.limits', 'index.mjs'),
      logLevel: 'silent',
    });
    writeFileSync(
      path.join(dir, 'manifest.json'),
      JSON.stringify({ artifacts: { [STACK]: { type: 'aws:cloudformation:stack', properties: { templateFile: 'limits.json', stackName: STACK } } } }),
    );
    writeFileSync(
      path.join(dir, 'limits.json'),
      JSON.stringify({
        Resources: {
          OneSecond: fn({ Timeout: 1 }),
          Consumer: fn({ Timeout: 1 }),
          Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
          FromQueue: {
            Type: 'AWS::Lambda::EventSourceMapping',
            Properties: { EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] }, FunctionName: { Ref: 'Consumer' }, BatchSize: 1 },
          },
          ReservedOne: fn({ Timeout: 5, ReservedConcurrentExecutions: 1 }),
          FiveSeconds: fn({ Timeout: 5 }),
          Api: { Type: 'AWS::ApiGateway::RestApi', Properties: {} },
          Stage: { Type: 'AWS::ApiGateway::Stage', Properties: { RestApiId: { Ref: 'Api' }, StageName: 'v1' } },
          Fast: resource('fast'),
          Slow: resource('slow'),
          GetFast: method('Fast', 'OneSecond'),
          // The integration gives up before the function would: API Gateway's own timeout.
          GetSlow: method('Slow', 'FiveSeconds', 500),
        },
      }),
    );
    const assembly = CloudAssembly.load(dir, 'dev');
    mkdirSync(path.join(dir, 'logs'));
    lambdas = new LambdaService({ assembly, logDirectory: path.join(dir, 'logs'), sdkEnvironment: () => ({}) });
    await lambdas.start();
    // The template's queue is played by the shared test runtime's SQS (fauxqs starts only outside jest): a queue with a
    // 1 s visibility timeout whose redrive policy moves a message to its DLQ on the second receive.
    const { aws, region } = testEndpoints();
    sqsClient = new SQSClient({ endpoint: aws.sqs, region, credentials: localCredentials });
    const suffix = randomBytes(4).toString('hex');
    const dlq = (await sqsClient.send(new CreateQueueCommand({ QueueName: `limits-dlq-${suffix}` }))).QueueUrl as string;
    const dlqArn = (await sqsClient.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn as string;
    const redrive = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 });
    const queue = (
      await sqsClient.send(new CreateQueueCommand({ QueueName: `limits-${suffix}`, Attributes: { VisibilityTimeout: '1', RedrivePolicy: redrive } }))
    ).QueueUrl as string;
    const queueArn = (await sqsClient.send(new GetQueueAttributesCommand({ QueueUrl: queue, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn as string;
    queues = { queue, dlq };
    const sqs = { endpoint: aws.sqs, physical: () => ({ ref: queue, attributes: { Arn: queueArn } }) } as unknown as SqsService;
    const resolver = new IntrinsicResolver(assembly, (r) =>
      r.type === 'AWS::Lambda::Function' ? lambdas.physical(r) : r.type === 'AWS::SQS::Queue' ? sqs.physical(r) : undefined,
    );
    await lambdas.provision(assembly.resourcesOfType('AWS::Lambda::Function'), resolver);
    eventSources = new SqsEventSourceService(sqs, lambdas);
    eventSources.configure(assembly, resolver);
    eventSources.start();
    invokeServer = new LambdaInvokeServer(lambdas);
    await invokeServer.start();
    client = new LambdaClient({ endpoint: invokeServer.endpoint, region: 'eu-west-1', credentials: localCredentials, maxAttempts: 1 });
    api = new RestApiServer({ model: readRestApis(assembly, resolver)[0] as NonNullable<ReturnType<typeof readRestApis>[0]>, lambdas });
    await api.start();
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await api?.stop();
    await eventSources?.stop();
    await invokeServer?.stop();
    await lambdas?.stop();
    sqsClient?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails an invocation past the template Timeout as Lambda reports it, and runs the next one in a fresh environment', async () => {
    const name = nameOf('OneSecond');
    // The same environment serves consecutive invocations: its module state lives on.
    expect((await invoke(name, {})).payload).toEqual({ invocations: 1 });
    expect((await invoke(name, {})).payload).toEqual({ invocations: 2 });
    const coldStarts = lambdas.get('OneSecond').coldStartCount;

    const started = performance.now();
    const timedOut = await invoke(name, { sleepMs: 3_000 });
    const elapsed = performance.now() - started;
    expect(timedOut.functionError).toBe('Unhandled');
    expect(timedOut.payload).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/),
    });
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(elapsed).toBeLessThan(2_500);

    // The timed-out environment was terminated: the next invocation starts cold, with its module state gone.
    expect((await invoke(name, {})).payload).toEqual({ invocations: 1 });
    expect(lambdas.get('OneSecond').coldStartCount).toBe(coldStarts + 1);
    expect(readFileSync(path.join(dir, 'logs', 'OneSecond.log'), 'utf8')).toMatch(/Z [0-9a-f-]{36} Task timed out after 1\.00 seconds\n/);
  }, 20_000);

  it('answers 502 through API Gateway when the function times out, and 504 when the integration gives up first', async () => {
    const fast = await fetch(`${api.url}/fast?sleepMs=1500`);
    expect({ status: fast.status, body: await fast.json() }).toEqual({ status: 502, body: { message: 'Internal server error' } });
    const slow = await fetch(`${api.url}/slow?sleepMs=1500`);
    expect({ status: slow.status, body: await slow.json() }).toEqual({ status: 504, body: { message: 'Endpoint request timed out' } });
  }, 20_000);

  it('throttles an invocation past the reserved concurrency with TooManyRequestsException', async () => {
    const name = nameOf('ReservedOne');
    const running = invoke(name, { sleepMs: 800 });
    await new Promise((r) => setTimeout(r, 100));
    await expect(invoke(name, {})).rejects.toMatchObject({
      name: 'TooManyRequestsException',
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      message: 'Rate Exceeded.',
      $metadata: { httpStatusCode: 429 },
    });
    expect((await running).functionError).toBeUndefined();
    // Once the first has finished, the function takes invocations again.
    expect((await invoke(name, {})).functionError).toBeUndefined();
  }, 20_000);

  it('refuses a request payload over 6 MB, and a response over 6 MB as a function error', async () => {
    const name = nameOf('OneSecond');
    await expect(invoke(name, { padding: 'x'.repeat(6_291_456) })).rejects.toMatchObject({
      name: 'RequestEntityTooLargeException',
      message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
      $metadata: { httpStatusCode: 413 },
    });
    const tooLarge = await invoke(name, { responseBytes: 6_291_556 });
    expect(tooLarge).toEqual({
      functionError: 'Unhandled',
      payload: { errorType: 'Function.ResponseSizeTooLarge', errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).' },
    });
    const justUnder = await invoke(name, { responseBytes: 6_000_000 });
    expect(justUnder.functionError).toBeUndefined();
    expect(String(justUnder.payload.padding)).toHaveLength(6_000_000);
  }, 30_000);

  it('returns a batch whose invocation timed out to its queue, until its redrive policy moves it to the DLQ', async () => {
    await sqsClient.send(new SendMessageCommand({ QueueUrl: queues.queue, MessageBody: JSON.stringify({ sleepMs: 3_000 }) }));
    // Two receives (maxReceiveCount 2), each failed by the 1 s timeout and returned after the 1 s visibility timeout.
    let moved: string | undefined;
    for (let i = 0; i < 30 && !moved; i++) {
      const { Messages = [] } = await sqsClient.send(
        new ReceiveMessageCommand({ QueueUrl: queues.dlq, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
      );
      moved = Messages[0]?.Body;
    }
    expect(moved).toBe(JSON.stringify({ sleepMs: 3_000 }));
    expect(eventSources.deliveredCount).toBe(0);
    // Both receives ran the function to its timeout (the second may still be running when the DLQ has the message).
    const timeouts = () => readFileSync(path.join(dir, 'logs', 'Consumer.log'), 'utf8').match(/Task timed out after 1\.00 seconds\n/g)?.length ?? 0;
    for (let i = 0; i < 30 && timeouts() < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(timeouts()).toBe(2);

    // A message the function handles in time is delivered and deleted.
    await sqsClient.send(new SendMessageCommand({ QueueUrl: queues.queue, MessageBody: JSON.stringify({}) }));
    for (let i = 0; i < 50 && eventSources.deliveredCount === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(eventSources.deliveredCount).toBe(1);
  }, 45_000);
});
