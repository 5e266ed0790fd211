import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { App, Duration } from 'aws-cdk-lib';
import { DefinitionBody, Fail, IntegrationPattern, JsonPath, StateMachine, TaskInput, Timeout } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, type LambdaInvokeProps } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { addStockadeStage } from '../../lib/app';
import { resolveStageConfig } from '../../lib/config/stages';
import { StockadeFunction } from '../../lib/constructs/stockade-function';
import { CloudAssembly, type TemplateResource } from '../../local/runtime/assembly';
import { IntrinsicResolver } from '../../local/runtime/intrinsics';
import { LambdaService } from '../../local/aws/lambda/lambda-service';
import { localCredentials } from '../../local/aws/credentials';
import { StepFunctionsService } from '../../local/aws/step-functions/step-functions';

/** One invocation of the fixture function, as it reported it. */
interface Report {
  readonly runId: string;
  readonly step: string;
  readonly event: { step: string; taskToken?: string; order: Record<string, unknown> & { error?: { Error: string; Cause: string } } };
}

/**
 * The Step Functions service runs a saga-shaped state machine built with the CDK (LambdaInvoke with Retry and
 * Catch to compensation, a .waitForTaskToken step, a final step) from the synthesized template, invoking the real
 * bundled fixture function, and answers the real @aws-sdk/client-sfn.
 */
describe('Step Functions played locally from the synthesized template', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'stockade-sfn-'));
  const cdkOut = path.join(workDir, 'cdk.out');
  const reports: Report[] = [];
  let receiver: Server;
  let reportUrl: string;
  let lambdas: LambdaService;
  let stepFunctions: StepFunctionsService;
  let assembly: CloudAssembly;
  let resolver: IntrinsicResolver;
  let sfn: SFNClient;
  let sagaArn: string;
  let heartbeatArn: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const report = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Report;
        reports.push(report);
        const attempt = reports.filter((r) => r.runId === report.runId && r.step === report.step).length;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ attempt }));
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    reportUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/report`;

    synthesizeTestStateMachines(cdkOut);
    assembly = CloudAssembly.load(cdkOut, 'dev');
    const ours = (type: string, prefixes: string[]) => assembly.resourcesOfType(type).filter((r) => prefixes.some((p) => r.logicalId.startsWith(p)));

    stepFunctions = new StepFunctionsService({ invoke: (name, event) => lambdas.byName(name).invoke(event), retryIntervalScale: 0.01 });
    lambdas = new LambdaService({ assembly, logDirectory: path.join(workDir, 'logs'), sdkEnvironment: () => stepFunctions.sdkEnvironment() });
    resolver = new IntrinsicResolver(assembly, (r: TemplateResource) => {
      if (r.type === 'AWS::StepFunctions::StateMachine') return stepFunctions.physical(r);
      if (r.type === 'AWS::Lambda::Function') return lambdas.physical(r);
      return undefined;
    });
    await stepFunctions.start();
    await lambdas.start();
    await lambdas.provision(ours('AWS::Lambda::Function', ['SagaStepFixture']), resolver);
    await stepFunctions.provision(ours('AWS::StepFunctions::StateMachine', ['SagaProbe', 'HeartbeatProbe']), resolver);

    const machines = stepFunctions.stateMachines();
    sagaArn = machines.find((m) => m.name.includes('SagaProbe'))?.arn as string;
    heartbeatArn = machines.find((m) => m.name === 'stockade-test-heartbeat')?.arn as string;
    // As a function or tool would reach it: the SDK reads AWS_ENDPOINT_URL_SFN (jest gives each test file its own env).
    Object.assign(process.env, stepFunctions.sdkEnvironment());
    sfn = new SFNClient({ region: 'us-east-1', credentials: localCredentials });
  }, 60_000);

  afterAll(async () => {
    sfn?.destroy();
    await stepFunctions?.stop();
    await lambdas?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
    if (!process.env.KEEP_WORKDIR) rmSync(workDir, { recursive: true, force: true });
  });

  let runCounter = 0;
  async function start(plan: Record<string, string> = {}, name?: string): Promise<{ runId: string; executionArn: string; input: string }> {
    const runId = `run-${++runCounter}-${Date.now()}`;
    const input = JSON.stringify({ runId, reportUrl, plan });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: sagaArn, name: name ?? runId, input }));
    return { runId, executionArn: executionArn as string, input };
  }

  async function reportOf(runId: string, step: string, timeoutMs = 10_000): Promise<Report> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = reports.find((r) => r.runId === runId && r.step === step);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`No report of step ${step} for ${runId}; got ${JSON.stringify(reports.filter((r) => r.runId === runId).map((r) => r.step))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  const stepsOf = (runId: string) => reports.filter((r) => r.runId === runId).map((r) => r.step);

  async function finished(executionArn: string, timeoutMs = 15_000): Promise<DescribeExecutionCommandOutput> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status !== 'RUNNING') return described;
      if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('runs the happy path: the token the function received, answered with SendTaskSuccess, resumes the saga to SUCCEEDED', async () => {
    const { runId, executionArn, input } = await start();
    const b = await reportOf(runId, 'B');
    const token = b.event.taskToken as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(b.event.order).toMatchObject({ runId, reserved: { statusCode: 200, result: { step: 'A', attempt: 1 } } });
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ paymentId: 'pi_123', amount: 4200 }) }));
    const done = await finished(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.input).toBe(input);
    expect(done.startDate).toBeInstanceOf(Date);
    expect((done.stopDate as Date).getTime()).toBeGreaterThanOrEqual((done.startDate as Date).getTime());
    expect(JSON.parse(done.output as string)).toEqual({
      runId,
      reportUrl,
      plan: {},
      reserved: { statusCode: 200, result: { step: 'A', runId, attempt: 1 } },
      payment: { paymentId: 'pi_123', amount: 4200 },
      committed: { step: 'C' },
    });
    expect(stepsOf(runId)).toEqual(['A', 'B', 'C']);

    // The answered token is closed; a token nobody issued does not exist.
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: 'x'.repeat(86), output: '{}' }))).rejects.toMatchObject({ name: 'TaskDoesNotExist' });

    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(types.filter((t) => t === 'TaskSucceeded')).toHaveLength(3);
    const paid = events.find((e) => e.type === 'TaskSucceeded' && e.taskSucceededEventDetails?.resource === 'invoke.waitForTaskToken');
    expect(JSON.parse(paid?.taskSucceededEventDetails?.output ?? 'null')).toEqual({ paymentId: 'pi_123', amount: 4200 });
  });

  it('retries a step that throws its custom retryable error once, then goes on', async () => {
    const { runId, executionArn } = await start({ A: 'retry-once' });
    const b = await reportOf(runId, 'B');
    await sfn.send(new SendTaskSuccessCommand({ taskToken: b.event.taskToken, output: '{"paymentId":"pi_retry"}' }));
    const done = await finished(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    expect(stepsOf(runId)).toEqual(['A', 'A', 'B', 'C']);
    expect(JSON.parse(done.output as string).reserved).toEqual({ statusCode: 200, result: { step: 'A', runId, attempt: 2 } });
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const failedAttempt = events.find((e) => e.type === 'TaskFailed');
    expect(failedAttempt?.taskFailedEventDetails?.error).toBe('RetryableError');
    expect(JSON.parse(failedAttempt?.taskFailedEventDetails?.cause ?? '{}')).toMatchObject({
      errorType: 'RetryableError',
      errorMessage: 'step A failed transiently',
    });
  });

  it('does not retry a fatal error: Catch runs the compensation with the error, and the saga ends FAILED', async () => {
    const { runId, executionArn } = await start({ A: 'fatal' });
    const done = await finished(executionArn);

    expect(stepsOf(runId)).toEqual(['A', 'Compensate']);
    const compensation = await reportOf(runId, 'Compensate');
    expect(compensation.event.order.error?.Error).toBe('FatalError');
    expect(JSON.parse(compensation.event.order.error?.Cause ?? '{}')).toMatchObject({ errorType: 'FatalError', errorMessage: 'step A cannot succeed' });
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('SagaFailed');
    expect(JSON.parse(done.cause as string)).toMatchObject({ errorType: 'FatalError' });
  });

  it('turns SendTaskFailure into the task failure: Catch sees its error and cause and compensates', async () => {
    const { runId, executionArn } = await start();
    const b = await reportOf(runId, 'B');
    await sfn.send(new SendTaskFailureCommand({ taskToken: b.event.taskToken, error: 'PaymentDeclined', cause: 'card_declined' }));
    const done = await finished(executionArn);

    expect(stepsOf(runId)).toEqual(['A', 'B', 'Compensate']);
    expect((await reportOf(runId, 'Compensate')).event.order.error).toEqual({ Error: 'PaymentDeclined', Cause: 'card_declined' });
    expect(done).toMatchObject({ status: 'FAILED', error: 'SagaFailed', cause: 'card_declined' });
    // The caught failure is the token task's only outcome in the history, as in AWS: no TaskSucceeded beside it.
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const waited = events.filter(
      (e) =>
        (e.type === 'TaskSucceeded' || e.type === 'TaskFailed') &&
        (e.taskSucceededEventDetails ?? e.taskFailedEventDetails)?.resource === 'invoke.waitForTaskToken',
    );
    expect(waited.map((e) => [e.type, e.taskFailedEventDetails?.error])).toEqual([['TaskFailed', 'PaymentDeclined']]);
  });

  it('times a token task out with States.Timeout after its TimeoutSeconds when nobody answers, and closes its token', async () => {
    const startedAt = Date.now();
    const { runId, executionArn } = await start();
    const b = await reportOf(runId, 'B');
    const done = await finished(executionArn, 15_000);
    const elapsed = Date.now() - startedAt;

    // The upper bounds here leave room for a loaded 2-core runner: the interpreter shares the machine with every suite.
    expect(elapsed).toBeGreaterThanOrEqual(3000);
    expect(elapsed).toBeLessThan(10_000);
    expect((await reportOf(runId, 'Compensate')).event.order.error?.Error).toBe('States.Timeout');
    expect(done).toMatchObject({ status: 'FAILED', error: 'SagaFailed' });
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: b.event.taskToken, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('times an ordinary task out with States.Timeout after its TimeoutSeconds', async () => {
    const { runId, executionArn } = await start({ C: 'slow' });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: (await reportOf(runId, 'B')).event.taskToken, output: '{}' }));
    const cStarted = Date.now();
    const done = await finished(executionArn);

    expect(stepsOf(runId)).toEqual(['A', 'B', 'C']);
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(Date.now() - cStarted).toBeGreaterThanOrEqual(900);
    expect(Date.now() - cStarted).toBeLessThan(3000);
  });

  it('fails a token task with States.HeartbeatTimeout once heartbeats stop, not while they come', async () => {
    const runId = `hb-${Date.now()}`;
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: heartbeatArn, input: JSON.stringify({ runId, reportUrl }) }));
    const token = (await reportOf(runId, 'H')).event.taskToken as string;
    // Heartbeats every 300 ms against a 2 s HeartbeatSeconds: a slow call on a loaded runner still comes in time.
    const heartbeatsUntil = Date.now() + 3600;
    while (Date.now() < heartbeatsUntil) {
      await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
      await new Promise((r) => setTimeout(r, 300));
    }
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    const done = await finished(executionArn as string, 8000);

    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.HeartbeatTimeout');
    expect((done.stopDate as Date).getTime() - heartbeatsUntil).toBeLessThan(4000);
  });

  it('starts idempotently by name while running, refuses other input or a closed name, and stops on request', async () => {
    const { runId, executionArn, input } = await start({}, `order-${Date.now()}`);
    const name = executionArn.split(':').at(-1) as string;
    await reportOf(runId, 'B');

    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: sagaArn, name, input }));
    expect(again.executionArn).toBe(executionArn);
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: sagaArn, name, input: JSON.stringify({ other: true }) }))).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
      $metadata: { httpStatusCode: 400 },
    });
    const running = await sfn.send(new ListExecutionsCommand({ stateMachineArn: sagaArn, statusFilter: 'RUNNING' }));
    expect(running.executions?.map((e) => e.executionArn)).toEqual([executionArn]);

    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Test.Stopped', cause: 'stopped by the test' }));
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({
      status: 'ABORTED',
      error: 'Test.Stopped',
      cause: 'stopped by the test',
    });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: sagaArn, name, input }))).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    expect(stepsOf(runId)).toEqual(['A', 'B']);
  });

  it('answers ExecutionDoesNotExist, InvalidArn and StateMachineDoesNotExist as AWS names them', async () => {
    const unknown = sagaArn.replace(':stateMachine:', ':execution:') + ':no-such-execution';
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: unknown }))).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: 'not-an-arn' }))).rejects.toMatchObject({ name: 'InvalidArn' });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: `${sagaArn}-missing` }))).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: sagaArn, input: '{not json' }))).rejects.toMatchObject({
      name: 'InvalidExecutionInput',
    });
  });

  it('refuses, naming the state machine, a JSONata definition and an invalid one', async () => {
    const machine = (logicalId: string, definition: unknown): TemplateResource => ({
      stackName: 'Stockade-dev-Messaging',
      logicalId,
      type: 'AWS::StepFunctions::StateMachine',
      properties: { StateMachineName: logicalId, DefinitionString: JSON.stringify(definition) },
      metadata: {},
    });
    const service = new StepFunctionsService({ invoke: () => Promise.reject(new Error('not used')) });
    const jsonata = { QueryLanguage: 'JSONata', StartAt: 'P', States: { P: { Type: 'Pass', Output: '{% $states.input %}', End: true } } };
    await expect(service.provision([machine('UsesJsonata', jsonata)], resolver)).rejects.toThrow(/UsesJsonata[\s\S]*JSONata/);
    const invalid = { StartAt: 'Missing', States: { P: { Type: 'Pass', End: true } } };
    await expect(service.provision([machine('BrokenDefinition', invalid)], resolver)).rejects.toThrow(
      /BrokenDefinition[\s\S]*invalid definition[\s\S]*Missing/,
    );
    const sqs = {
      StartAt: 'Send',
      States: { Send: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Parameters: { QueueUrl: 'q', MessageBody: 'm' }, End: true } },
    };
    await expect(service.provision([machine('SendsToSqs', sqs)], resolver)).rejects.toThrow(/SendsToSqs[\s\S]*sqs:sendMessage/);
  });

  /** Adds the test state machines and their fixture function to the real stacks and synthesizes the dev stage. */
  function synthesizeTestStateMachines(outdir: string): void {
    const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
    const app = new App({
      outdir,
      context: {
        ...cdkJson.context,
        'aws:cdk:bundling-stacks': ['Stockade-dev-Messaging'],
        'aws:cdk:enable-asset-metadata': true,
        '@aws-cdk/core:failSynthOnValidationErrors': false,
      },
    });
    const config = resolveStageConfig({ stage: 'dev' });
    const stacks = addStockadeStage(app, config);
    const scope = stacks.messaging;
    const fn = new StockadeFunction(scope, 'SagaStepFixture', {
      stageContext: { config, key: stacks.secrets.key },
      entry: path.join(__dirname, '..', 'fixtures', 'functions', 'saga-step.ts'),
      service: 'test-saga',
      timeout: Duration.seconds(5),
    });
    const step = (id: string, stepName: string, props: Partial<LambdaInvokeProps> = {}) =>
      new LambdaInvoke(scope, id, {
        lambdaFunction: fn,
        payload: TaskInput.fromObject({ step: stepName, order: JsonPath.entirePayload }),
        taskTimeout: Timeout.duration(Duration.seconds(5)),
        ...props,
      });

    const failed = new Fail(scope, 'SagaFailed', { error: 'SagaFailed', causePath: '$.error.Cause' });
    const compensate = step('Compensate', 'Compensate', { resultPath: JsonPath.DISCARD }).next(failed);
    const reserve = step('ReserveStock', 'A', { resultSelector: { 'statusCode.$': '$.StatusCode', 'result.$': '$.Payload' }, resultPath: '$.reserved' })
      .addRetry({ errors: ['RetryableError'], interval: Duration.seconds(1), maxAttempts: 2, backoffRate: 2 })
      .addCatch(compensate, { errors: ['States.ALL'], resultPath: '$.error' });
    const awaitPayment = step('AwaitPayment', 'B', {
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({ step: 'B', taskToken: JsonPath.taskToken, order: JsonPath.entirePayload }),
      taskTimeout: Timeout.duration(Duration.seconds(3)),
      resultPath: '$.payment',
    }).addCatch(compensate, { errors: ['States.ALL'], resultPath: '$.error' });
    const commit = step('CommitOrder', 'C', {
      resultSelector: { 'step.$': '$.Payload.step' },
      resultPath: '$.committed',
      taskTimeout: Timeout.duration(Duration.seconds(1)),
    });
    new StateMachine(scope, 'SagaProbe', { definitionBody: DefinitionBody.fromChainable(reserve.next(awaitPayment).next(commit)) });

    const heartbeat = step('AwaitHeartbeat', 'H', {
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({ step: 'H', taskToken: JsonPath.taskToken, order: JsonPath.entirePayload }),
      taskTimeout: Timeout.duration(Duration.seconds(20)),
      heartbeatTimeout: Timeout.duration(Duration.seconds(2)),
    });
    new StateMachine(scope, 'HeartbeatProbe', { stateMachineName: 'stockade-test-heartbeat', definitionBody: DefinitionBody.fromChainable(heartbeat) });
    app.synth();
  }
});
