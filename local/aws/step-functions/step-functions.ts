import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { TemplateResource } from '../../runtime/assembly';
import { LOCAL_ACCOUNT, LOCAL_REGION, type IntrinsicResolver, type ResolvedResource } from '../../runtime/intrinsics';
import { closeServer, LOOPBACK, readBody } from '../../runtime/net';
import { type RequestAuthorizer, sendRefusal } from '../iam/authorizing-proxy';
import { generatedName, type LocalService } from '../service';
import { checkDefinition, prepareForInterpreter, readDefinition } from './definition';
import { SfnApiError, TaskFailure } from './errors';
import { type ExecutionStatus, type HistoryEvent, LocalExecution, type LocalInvoker, type LocalStateMachine } from './execution';
import { TaskTokens } from './task-tokens';

export type { LocalInvoker } from './execution';

export interface StepFunctionsServiceOptions {
  /**
   * Invokes a local Lambda function by name or ARN for lambda:invoke Task states. The runtime passes
   * `(name, event) => lambdas.byName(name).invoke(event)`; a rejection means "no such function".
   */
  readonly invoke: LocalInvoker;
  /** Authorizes each API request with IAM (the runtime's IamService). @default none: every request proceeds */
  readonly authorize?: RequestAuthorizer;
  /**
   * Authorizes a Task state's lambda:InvokeFunction with the state machine's role (the runtime's IamService); resolves
   * with AWS's refusal message, or undefined when allowed. @default none: every invocation proceeds
   */
  readonly authorizeInvoke?: (machine: { name: string; roleArn: string }, functionName: string) => Promise<string | undefined>;
  /**
   * Multiplies every Retry interval of every definition (backoff and jitter still apply). Tests may set 0.01;
   * normal use keeps the deployed intervals. @default 1
   */
  readonly retryIntervalScale?: number;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Told when an execution starts and how it ends, as Step Functions' metrics see it. @default none */
  readonly observe?: (stateMachineArn: string, status: 'STARTED' | ExecutionStatus) => void;
}

const ARN_PREFIX = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}`;
/** Characters AWS refuses in execution names (besides whitespace and control characters). */
const NAME_FORBIDDEN = new Set('<>{}[]?*"#%\\^|~`$&,;:/');
const MAX_PAYLOAD_BYTES = 256 * 1024;

/**
 * Step Functions, played locally: every AWS::StepFunctions::StateMachine of the template, its definition resolved,
 * validated and run by the aws-local-stepfunctions interpreter with each Task state invoking the local function, behind
 * an AWS JSON 1.0 API on loopback so the real @aws-sdk/client-sfn works (AWS_ENDPOINT_URL_SFN). Executions live in memory.
 *
 * Operations: StartExecution (idempotent per name as for Standard workflows), DescribeExecution, StopExecution,
 * ListExecutions, GetExecutionHistory, SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat, ListStateMachines,
 * DescribeStateMachine.
 */
export class StepFunctionsService implements LocalService {
  readonly name = 'Step Functions';
  readonly resourceTypes = ['AWS::StepFunctions::StateMachine'] as const;
  private server?: Server;
  private port = 0;
  private readonly machines = new Map<string, LocalStateMachine>();
  /** Executions by ARN, in start order. */
  private readonly executions = new Map<string, LocalExecution>();
  private readonly tokens = new TaskTokens();
  private readonly retryIntervalScale: number;

  constructor(private readonly options: StepFunctionsServiceOptions) {
    this.retryIntervalScale = options.retryIntervalScale ?? 1;
    if (!(this.retryIntervalScale >= 0)) throw new Error(`retryIntervalScale must be a number >= 0, got ${options.retryIntervalScale}`);
  }

  get endpoint(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, LOOPBACK, resolve);
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  physical(resource: TemplateResource): ResolvedResource {
    const name = typeof resource.properties.StateMachineName === 'string' ? resource.properties.StateMachineName : generatedName(resource, 80);
    const arn = stateMachineArn(name);
    return { ref: arn, attributes: { Arn: arn, Name: name } };
  }

  async provision(resources: readonly TemplateResource[], resolver: IntrinsicResolver): Promise<void> {
    for (const resource of resources) {
      const { ref: arn, attributes } = this.physical(resource);
      const name = attributes.Name ?? arn;
      const label = `${name} (${resource.stackName}/${resource.logicalId})`;
      const asl = readDefinition(resource, resolver, label);
      checkDefinition(asl, label);
      const definition = prepareForInterpreter(asl, { retryIntervalScale: this.retryIntervalScale });
      const p = resource.properties;
      this.machines.set(arn, {
        arn,
        name,
        type: typeof p.StateMachineType === 'string' ? p.StateMachineType : 'STANDARD',
        roleArn: p.RoleArn === undefined ? '' : resolver.resolveString(p.RoleArn, resource.stackName),
        createdAt: new Date(),
        definition,
        // Validated above with asl-validator 4; the interpreter's bundled validator (3.x) would re-check an older schema.
        interpreter: new StateMachine(definition.interpreted as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } }),
      });
    }
  }

  sdkEnvironment(): Record<string, string> {
    return { AWS_ENDPOINT_URL_SFN: this.endpoint };
  }

  describe(): string[] {
    const names = [...this.machines.values()].map((m) => m.name);
    return [
      `${this.name.padEnd(16)} ${this.endpoint}  (${names.length} state machines${names.length ? `: ${names.join(', ')}` : ''}; aws-local-stepfunctions)`,
    ];
  }

  /** Stops every running execution and closes the API; no timer of this service outlives it. */
  async stop(): Promise<void> {
    for (const execution of this.executions.values()) execution.stop('States.Runtime', 'The local runtime stopped');
    this.tokens.closeAll('the local runtime stopped');
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  /** The deployed state machines: logical name, ARN. */
  stateMachines(): Array<{ name: string; arn: string }> {
    return [...this.machines.values()].map((m) => ({ name: m.name, arn: m.arn }));
  }

  // --- The API, callable in-process as well as over HTTP ---

  startExecution(input: { stateMachineArn?: string; name?: string; input?: string }): { executionArn: string; startDate: Date } {
    const machine = this.machine(input.stateMachineArn);
    const name = input.name ?? randomUUID();
    if (!isExecutionName(name)) throw new SfnApiError('InvalidName', `Invalid Name: '${name}'`);
    const text = input.input ?? '{}';
    if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) throw new SfnApiError('InvalidExecutionInput', 'The input exceeds 262144 bytes');
    try {
      JSON.parse(text);
    } catch (error) {
      throw new SfnApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${(error as Error).message}'`);
    }
    const executionArn = `${ARN_PREFIX}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      // Standard workflows: the same name and input as a RUNNING execution is an idempotent retry of its start.
      // A closed execution's name, or other input, is refused (AWS keeps names unique for 90 days).
      if (existing.status === 'RUNNING' && existing.input === text) return { executionArn, startDate: existing.startDate };
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution = new LocalExecution(machine, name, executionArn, text, this.invokerFor(machine), this.tokens);
    this.executions.set(executionArn, execution);
    execution.start();
    const observe = this.options.observe;
    if (observe) {
      observe(machine.arn, 'STARTED');
      void execution.finished.then(() => observe(machine.arn, execution.status));
    }
    return { executionArn, startDate: execution.startDate };
  }

  /** Invokes with the state machine's role: a refused lambda:InvokeFunction fails the task as Lambda's 403 does. */
  private invokerFor(machine: LocalStateMachine): LocalInvoker {
    const authorize = this.options.authorizeInvoke;
    if (!authorize) return this.options.invoke;
    return async (functionName, payload) => {
      const refused = await authorize(machine, functionName);
      if (refused)
        throw new TaskFailure(
          'Lambda.AWSLambdaException',
          `${refused} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: ${randomUUID()}; Proxy: null)`,
        );
      return this.options.invoke(functionName, payload);
    };
  }

  describeExecution(input: { executionArn?: string }): Record<string, unknown> {
    const e = this.execution(input.executionArn);
    return {
      executionArn: e.executionArn,
      stateMachineArn: e.machine.arn,
      name: e.name,
      status: e.status,
      startDate: e.startDate,
      stopDate: e.stopDate,
      input: e.input,
      inputDetails: { included: true },
      output: e.output,
      outputDetails: e.output === undefined ? undefined : { included: true },
      error: e.error,
      cause: e.cause,
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    };
  }

  stopExecution(input: { executionArn?: string; error?: string; cause?: string }): { stopDate: Date } {
    const e = this.execution(input.executionArn);
    e.stop(input.error, input.cause);
    return { stopDate: e.stopDate ?? new Date() };
  }

  listExecutions(input: { stateMachineArn?: string; statusFilter?: string; maxResults?: number; nextToken?: string }): Record<string, unknown> {
    const machine = this.machine(input.stateMachineArn);
    const all = [...this.executions.values()].filter((e) => e.machine === machine && (!input.statusFilter || e.status === input.statusFilter)).reverse();
    const page = paginate(all, input.maxResults, input.nextToken);
    return {
      executions: page.items.map((e) => ({
        executionArn: e.executionArn,
        stateMachineArn: machine.arn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        stopDate: e.stopDate,
      })),
      nextToken: page.nextToken,
    };
  }

  getExecutionHistory(input: {
    executionArn?: string;
    maxResults?: number;
    nextToken?: string;
    reverseOrder?: boolean;
    includeExecutionData?: boolean;
  }): Record<string, unknown> {
    const e = this.execution(input.executionArn);
    const events = input.reverseOrder ? [...e.history].reverse() : e.history;
    const page = paginate(events, input.maxResults, input.nextToken);
    return { events: input.includeExecutionData === false ? page.items.map(withoutData) : page.items, nextToken: page.nextToken };
  }

  sendTaskSuccess(input: { taskToken?: string; output?: string }): Record<string, never> {
    let output: unknown;
    try {
      output = JSON.parse(input.output ?? '');
    } catch (error) {
      throw new SfnApiError('InvalidOutput', `Invalid Output: '${(error as Error).message}'`);
    }
    if (Buffer.byteLength(input.output ?? '') > MAX_PAYLOAD_BYTES) throw new SfnApiError('InvalidOutput', 'The output exceeds 262144 bytes');
    this.tokens.succeed(String(input.taskToken ?? ''), output);
    return {};
  }

  sendTaskFailure(input: { taskToken?: string; error?: string; cause?: string }): Record<string, never> {
    this.tokens.fail(String(input.taskToken ?? ''), input.error ?? '', input.cause ?? '');
    return {};
  }

  sendTaskHeartbeat(input: { taskToken?: string }): Record<string, never> {
    this.tokens.heartbeat(String(input.taskToken ?? ''));
    return {};
  }

  /** Settles once the execution has ended; for tests and tools that drive the service in-process. */
  async waitForExecution(executionArn: string): Promise<ExecutionStatus> {
    const e = this.execution(executionArn);
    await e.finished;
    return e.status;
  }

  private dispatch(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'StartExecution':
        return this.startExecution(input as Parameters<StepFunctionsService['startExecution']>[0]);
      case 'DescribeExecution':
        return this.describeExecution(input as { executionArn?: string });
      case 'StopExecution':
        return this.stopExecution(input as Parameters<StepFunctionsService['stopExecution']>[0]);
      case 'ListExecutions':
        return this.listExecutions(input as Parameters<StepFunctionsService['listExecutions']>[0]);
      case 'GetExecutionHistory':
        return this.getExecutionHistory(input as Parameters<StepFunctionsService['getExecutionHistory']>[0]);
      case 'SendTaskSuccess':
        return this.sendTaskSuccess(input as Parameters<StepFunctionsService['sendTaskSuccess']>[0]);
      case 'SendTaskFailure':
        return this.sendTaskFailure(input as Parameters<StepFunctionsService['sendTaskFailure']>[0]);
      case 'SendTaskHeartbeat':
        return this.sendTaskHeartbeat(input as { taskToken?: string });
      case 'ListStateMachines':
        return { stateMachines: [...this.machines.values()].map((m) => ({ stateMachineArn: m.arn, name: m.name, type: m.type, creationDate: m.createdAt })) };
      case 'DescribeStateMachine': {
        const m = this.machine(input.stateMachineArn as string | undefined);
        return {
          stateMachineArn: m.arn,
          name: m.name,
          status: 'ACTIVE',
          definition: JSON.stringify(m.definition.asl),
          roleArn: m.roleArn,
          type: m.type,
          creationDate: m.createdAt,
        };
      }
      default:
        throw new SfnApiError('UnknownOperationException', `The local Step Functions does not implement ${operation || 'this operation'}`);
    }
  }

  private machine(arn: string | undefined): LocalStateMachine {
    if (!arn) throw new SfnApiError('ValidationException', 'stateMachineArn is required');
    if (!arn.startsWith('arn:aws:states:') || !arn.includes(':stateMachine:')) throw new SfnApiError('InvalidArn', `Invalid Arn: '${arn}'`);
    const machine = this.machines.get(arn);
    if (!machine) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private execution(arn: string | undefined): LocalExecution {
    if (!arn) throw new SfnApiError('ValidationException', 'executionArn is required');
    if (!arn.startsWith('arn:aws:states:') || !arn.includes(':execution:')) throw new SfnApiError('InvalidArn', `Invalid Arn: '${arn}'`);
    const execution = this.executions.get(arn);
    if (!execution) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
    const refused = await this.options.authorize?.({
      service: 'states',
      headers: req.headers,
      body,
      scope: { taskTokenStateMachine: (token) => this.tokens.stateMachineOf(token) },
    });
    if (refused) return sendRefusal(res, refused);
    try {
      if (req.method !== 'POST') throw new SfnApiError('ValidationException', 'POST only');
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new SfnApiError('SerializationException', 'The request body is not JSON');
      }
      send(res, 200, this.dispatch(operation, input));
    } catch (error) {
      const e = error instanceof SfnApiError ? error : new SfnApiError('InternalFailure', `The local Step Functions failed: ${(error as Error).message}`, 500);
      res.setHeader('x-amzn-ErrorType', e.type);
      send(res, e.status, { __type: e.type, message: e.message });
    }
  }
}

/** AWS execution names: 1-80 characters, no whitespace, brackets, wildcards, these punctuation marks or controls. */
function isExecutionName(name: string): boolean {
  if (name.length < 1 || name.length > 80) return false;
  return [...name].every((c) => {
    const code = c.codePointAt(0) ?? 0;
    return !NAME_FORBIDDEN.has(c) && !/\s/.test(c) && code > 0x1f && (code < 0x7f || code > 0x9f);
  });
}

function stateMachineArn(name: string): string {
  return `${ARN_PREFIX}:stateMachine:${name}`;
}

/** Opaque pagination: the token is the offset of the next page. */
function paginate<T>(items: readonly T[], maxResults: number | undefined, nextToken: string | undefined): { items: T[]; nextToken?: string } {
  const start = nextToken ? Number.parseInt(Buffer.from(nextToken, 'base64url').toString('utf8'), 10) : 0;
  if (!Number.isInteger(start) || start < 0) throw new SfnApiError('InvalidToken', 'Invalid nextToken');
  const size = maxResults && maxResults > 0 ? Math.min(maxResults, 1000) : 100;
  const end = start + size;
  return { items: items.slice(start, end), nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined };
}

function withoutData(event: HistoryEvent): HistoryEvent {
  const strip = (details: unknown) => {
    if (typeof details !== 'object' || details === null) return details;
    const { input: _input, output: _output, ...rest } = details as Record<string, unknown>;
    return rest;
  };
  return Object.fromEntries(Object.entries(event).map(([k, v]) => [k, k.endsWith('EventDetails') ? strip(v) : v])) as unknown as HistoryEvent;
}

/** AWS JSON 1.0: timestamps are epoch seconds. */
function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, function (this: Record<string, unknown>, key: string, value: unknown) {
    // `value` is already Date#toJSON's string; the holder still has the Date.
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : value;
  });
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
