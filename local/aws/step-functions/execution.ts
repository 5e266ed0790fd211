// Node 20 lacks Promise.withResolvers, which the interpreter calls in every Task state (Lambda's Node 24 has it).
// Without it each Task throws a TypeError that a States.ALL Catch would quietly turn into the failure path.
import 'core-js/actual/promise/with-resolvers';
import { randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { InvokeOutcome } from '../lambda/local-function';
import type { SerializedError } from '../lambda/protocol';
import { LOCAL_REGION } from '../../runtime/intrinsics';
import { LONGEST_TIMER_SECONDS, jsonClone, type PreparedDefinition, type TaskSpec } from './definition';
import { TaskFailure, executionStopped } from './errors';
import type { TaskTokens } from './task-tokens';

/**
 * Invokes a local Lambda function by name or ARN. Resolves with the handler's value or its error for any
 * invocation that reached the function; rejects only when there is no such function.
 */
export type LocalInvoker = (functionNameOrArn: string, payload: unknown) => Promise<InvokeOutcome>;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** A deployed state machine as the local service holds it. */
export interface LocalStateMachine {
  readonly arn: string;
  readonly name: string;
  readonly type: string;
  readonly roleArn: string;
  readonly createdAt: Date;
  readonly definition: PreparedDefinition;
  readonly interpreter: StateMachine;
}

/** One entry of GetExecutionHistory, in the shape of the API's HistoryEvent (dates as Date). */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: Date;
  readonly type: string;
  readonly [details: string]: unknown;
}

type JsonHandler = (input: unknown) => Promise<unknown>;

/** One execution of a state machine, run by the interpreter with every Task state played by a local handler. */
export class LocalExecution {
  status: ExecutionStatus = 'RUNNING';
  output?: string;
  error?: string;
  cause?: string;
  stopDate?: Date;
  readonly startDate = new Date();
  readonly history: HistoryEvent[] = [];
  /** Settles once the execution has ended (any status) and its history is complete. */
  readonly finished: Promise<void>;
  private readonly controller = new AbortController();
  /** Task results by state name, in completion order, for the TaskSucceeded history events. */
  private readonly taskResults = new Map<string, unknown[]>();
  private stopReason = 'the execution ended';
  private abortInterpreter: () => void = () => undefined;
  private settleFinished: () => void = () => undefined;
  private settleRecorded: () => void = () => undefined;

  constructor(
    readonly machine: LocalStateMachine,
    readonly name: string,
    readonly executionArn: string,
    /** The input as given to StartExecution (valid JSON). */
    readonly input: string,
    private readonly invoker: LocalInvoker,
    private readonly tokens: TaskTokens,
  ) {
    const ended = new Promise<void>((resolve) => (this.settleFinished = resolve));
    const recorded = new Promise<void>((resolve) => (this.settleRecorded = resolve));
    this.finished = Promise.all([ended, recorded]).then(() => undefined);
  }

  /** Starts the interpreter; the returned execution keeps running in the background. */
  start(): void {
    const handlers: Record<string, JsonHandler> = {};
    for (const spec of this.machine.definition.tasks.values()) {
      handlers[spec.stateName] = async (input) => {
        // After this the interpreter has timed the attempt out and will not take its result.
        const deadline = Date.now() + Math.min(spec.timeoutSeconds ?? LONGEST_TIMER_SECONDS, LONGEST_TIMER_SECONDS) * 1000;
        // Task results reach the interpreter as JSON, as in AWS (and as plain objects of this realm: see jsonClone).
        const result = jsonClone((await this.runTask(spec, input)) ?? null);
        if (Date.now() < deadline) this.taskResults.set(spec.stateName, [...(this.taskResults.get(spec.stateName) ?? []), result]);
        return result;
      };
    }
    const run = this.machine.interpreter.run(JSON.parse(this.input), {
      overrides: { taskResourceLocalHandlers: handlers as never },
      context: this.contextObject() as never,
    });
    this.abortInterpreter = run.abort;
    void this.record(run.eventLogs).finally(() => this.settleRecorded());
    run.result.then(
      (output) => this.finish('SUCCEEDED', { output: JSON.stringify(output ?? null) }),
      (error: unknown) => this.finish(...outcomeOf(error)),
    );
  }

  /** StopExecution: the execution ends ABORTED; its waiting tasks are failed and their tokens closed. */
  stop(error?: string, cause?: string): void {
    if (this.status !== 'RUNNING') return;
    this.finish('ABORTED', { error, cause });
    this.abortInterpreter();
  }

  private finish(status: ExecutionStatus, details: { output?: string; error?: string; cause?: string }): void {
    if (this.status !== 'RUNNING') return;
    this.status = status;
    this.output = details.output;
    this.error = details.error;
    this.cause = details.cause;
    this.stopDate = new Date();
    this.stopReason = `the execution ${this.name} is ${status}`;
    // Tasks still in flight (a timed-out execution, a failed Parallel branch's siblings) must settle so the
    // interpreter clears its task timers; nothing may keep the process alive after an execution ended.
    this.controller.abort();
    this.tokens.closeExecution(this.executionArn, this.stopReason);
    this.settleFinished();
  }

  private async runTask(spec: TaskSpec, input: unknown): Promise<unknown> {
    this.throwIfStopped();
    switch (spec.integration) {
      case 'lambda-function':
        return this.invoke(spec.resource, input);
      case 'lambda-invoke': {
        const parameters = invokeParameters(spec, input);
        if (parameters.InvocationType === 'Event') {
          void this.callInvoker(parameters.FunctionName, parameters.Payload).catch(() => undefined);
          return lambdaInvokeResult('', 202);
        }
        return lambdaInvokeResult(await this.invoke(parameters.FunctionName, parameters.Payload), 200);
      }
      case 'lambda-invoke-wait-for-task-token':
        return this.waitForTaskToken(spec, input);
    }
  }

  /**
   * `.waitForTaskToken`: a fresh token per attempt, put where the definition's `$$.Task.Token` expects it by
   * resolving the state's Parameters against a Context object that carries it; the function is invoked with the
   * resolved Payload and the task then waits for SendTaskSuccess / SendTaskFailure with that token. TimeoutSeconds
   * is the interpreter's (a genuine States.Timeout); HeartbeatSeconds is enforced here.
   */
  private async waitForTaskToken(spec: TaskSpec, input: unknown): Promise<unknown> {
    const startedAt = Date.now();
    const token = this.tokens.mint();
    const template: Record<string, unknown> = { Parameters: spec.parameters };
    if (spec.heartbeatSecondsPath) template['Heartbeat.$'] = spec.heartbeatSecondsPath;
    if (spec.timeoutSecondsPath) template['Timeout.$'] = spec.timeoutSecondsPath;
    const resolved = (await resolvePayloadTemplate(template, input, { ...this.contextObject(), Task: { Token: token } })) as {
      Parameters: unknown;
      Heartbeat?: number;
      Timeout?: number;
    };
    this.throwIfStopped();
    const parameters = invokeParameters(spec, resolved.Parameters);
    const timeoutSeconds = Math.min(spec.timeoutSeconds ?? resolved.Timeout ?? LONGEST_TIMER_SECONDS, LONGEST_TIMER_SECONDS);
    const heartbeatSeconds = spec.heartbeatSeconds ?? resolved.Heartbeat;
    const task = this.tokens.open(token, {
      executionArn: this.executionArn,
      stateName: spec.stateName,
      heartbeatSeconds: heartbeatSeconds === undefined ? undefined : Math.min(heartbeatSeconds, LONGEST_TIMER_SECONDS),
      timeoutAt: startedAt + timeoutSeconds * 1000,
    });
    if (parameters.InvocationType === 'Event') {
      void this.callInvoker(parameters.FunctionName, parameters.Payload).catch(() => undefined);
    } else {
      try {
        await this.invoke(parameters.FunctionName, parameters.Payload);
      } catch (error) {
        // A function that answered its own token before failing has still completed the task.
        if (task.isOpen()) {
          this.tokens.close(token, 'its invocation failed');
          throw error;
        }
      }
    }
    return task.result;
  }

  private async invoke(functionName: string, payload: unknown): Promise<unknown> {
    let outcome: InvokeOutcome;
    try {
      outcome = await this.abortable(this.callInvoker(functionName, payload));
    } catch (error) {
      if (error instanceof TaskFailure) throw error;
      throw new TaskFailure('Lambda.ResourceNotFoundException', `Function not found: ${functionName} (${(error as Error).message})`);
    }
    if (outcome.ok) return outcome.value ?? null;
    // An invocation Lambda refused (throttled, payload too large) is the Lambda API's error, as Step Functions names it.
    if (outcome.rejected) throw new TaskFailure(`Lambda.${outcome.rejected.type}`, outcome.rejected.message);
    throw functionFailure(outcome.error);
  }

  /** The invoker as a promise even when it throws synchronously (an unknown function name). */
  private async callInvoker(functionName: string, payload: unknown): Promise<InvokeOutcome> {
    return this.invoker(functionName, payload);
  }

  private abortable<T>(promise: Promise<T>): Promise<T> {
    const { signal } = this.controller;
    if (signal.aborted) return Promise.reject(executionStopped(this.stopReason));
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(executionStopped(this.stopReason));
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
        (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error as Error)),
      );
    });
  }

  private throwIfStopped(): void {
    if (this.controller.signal.aborted) throw executionStopped(this.stopReason);
  }

  /** The Context object (`$$`); the interpreter adds Execution.Input and Execution.StartTime. */
  private contextObject(): Record<string, unknown> {
    return {
      Execution: { Id: this.executionArn, Name: this.name, RoleArn: this.machine.roleArn, StartTime: this.startDate.toISOString(), RedriveCount: 0 },
      StateMachine: { Id: this.machine.arn, Name: this.machine.name },
    };
  }

  /** Turns the interpreter's event log into GetExecutionHistory events. */
  private async record(events: AsyncGenerator<InterpreterEvent>): Promise<void> {
    try {
      for await (const event of events) {
        const results = event.type === 'StateExited' && event.state?.type === 'Task' ? this.taskResults.get(event.state.name) : undefined;
        // A failure caught by a Catch exits its Task state too: only an attempt that returned a result succeeded.
        const taskResult = results?.length ? { value: results.shift() } : undefined;
        for (const [type, details] of historyOf(event, this, taskResult)) {
          const id = this.history.length + 1;
          this.history.push({ id, previousEventId: id - 1, timestamp: new Date(event.timestamp), type, ...details });
        }
      }
    } catch {
      // The history is a convenience; an interpreter quirk in it must not touch the execution.
    }
  }
}

/** The status, error and cause an interpreter rejection stands for. */
function outcomeOf(error: unknown): [ExecutionStatus, { error?: string; cause?: string }] {
  const name = error instanceof Error ? error.name : '';
  if (name === 'ExecutionAbortedError') return ['ABORTED', {}];
  if (name === 'ExecutionTimeoutError')
    return ['TIMED_OUT', { error: 'States.Timeout', cause: "The execution ran longer than the state machine's TimeoutSeconds" }];
  const failure = error instanceof Error && name === 'ExecutionError' ? error.cause : error;
  if (failure instanceof Error) return ['FAILED', { error: failure.name, cause: failure.message }];
  return ['FAILED', { error: 'States.Runtime', cause: String(failure) }];
}

interface InvokeParameters {
  readonly FunctionName: string;
  readonly Payload: unknown;
  readonly InvocationType?: string;
}

function invokeParameters(spec: TaskSpec, value: unknown): InvokeParameters {
  const p = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof p.FunctionName !== 'string' || p.FunctionName === '') {
    throw new TaskFailure('States.Runtime', `Task state ${spec.stateName}: Parameters.FunctionName did not resolve to a function name or ARN`, {
      retryable: false,
      catchable: false,
    });
  }
  // Without a Payload, Lambda's Node.js runtime hands the handler an empty object.
  return {
    FunctionName: p.FunctionName,
    Payload: p.Payload === undefined ? {} : p.Payload,
    InvocationType: typeof p.InvocationType === 'string' ? p.InvocationType : undefined,
  };
}

/** What `arn:aws:states:::lambda:invoke` returns: the Invoke response, the handler's value under Payload. */
function lambdaInvokeResult(payload: unknown, statusCode: number): Record<string, unknown> {
  const requestId = randomUUID();
  const headers = { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST', 'x-amzn-RequestId': requestId };
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      HttpHeaders: headers,
      HttpStatusCode: statusCode,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: statusCode,
  };
}

/**
 * A handler error as Step Functions reports it: the error name is the handler's errorType (so Retry/Catch on a
 * custom error name work), the cause the JSON error document. The local runtime's own "stopping" answer is the
 * service error it stands for.
 */
function functionFailure(error: SerializedError): TaskFailure {
  const name = error.errorType === 'ServiceException' ? 'Lambda.ServiceException' : error.errorType;
  const cause = JSON.stringify({ errorType: error.errorType, errorMessage: error.errorMessage, trace: error.stack?.split('\n') ?? [] });
  return new TaskFailure(name, cause);
}

/**
 * Resolves a payload template (`.$` paths, `$$` context paths, intrinsic functions) exactly as the interpreter
 * does, by running it as the Parameters of a one-state machine with the given Context object.
 */
async function resolvePayloadTemplate(template: Record<string, unknown>, input: unknown, context: Record<string, unknown>): Promise<unknown> {
  const definition = { StartAt: 'Resolve', States: { Resolve: { Type: 'Pass', Parameters: template, End: true } } };
  const machine = new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
  try {
    return await machine.run(input as never, { context: context as never }).result;
  } catch (error) {
    // A path that does not resolve is the interpreter's States.Runtime error, not catchable, as in AWS.
    throw error instanceof Error && error.name === 'ExecutionError' && error.cause instanceof Error ? error.cause : error;
  }
}

/** The interpreter's event log entries this service reads. */
interface InterpreterEvent {
  readonly type: string;
  readonly timestamp: number;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly Error?: string;
  readonly Cause?: unknown;
  readonly index?: number;
  readonly state?: { name: string; type: string; input: unknown; output?: unknown };
  readonly parentState?: { name: string; type: string };
}

function historyOf(event: InterpreterEvent, execution: LocalExecution, taskResult: { value: unknown } | undefined): Array<[string, Record<string, unknown>]> {
  const json = (value: unknown) => JSON.stringify(value ?? null);
  const cause = typeof event.Cause === 'string' ? event.Cause : event.Cause === undefined ? undefined : JSON.stringify(event.Cause);
  const state = event.state;
  const task = state?.type === 'Task' ? execution.machine.definition.tasks.get(state.name) : undefined;
  const resource = task ? taskResource(task) : undefined;
  switch (event.type) {
    case 'ExecutionStarted':
      return [
        [
          'ExecutionStarted',
          { executionStartedEventDetails: { input: json(event.input), inputDetails: { truncated: false }, roleArn: execution.machine.roleArn } },
        ],
      ];
    case 'ExecutionSucceeded':
      return [['ExecutionSucceeded', { executionSucceededEventDetails: { output: json(event.output), outputDetails: { truncated: false } } }]];
    case 'ExecutionFailed':
      return [['ExecutionFailed', { executionFailedEventDetails: { error: event.Error, cause } }]];
    case 'ExecutionAborted':
      return [['ExecutionAborted', { executionAbortedEventDetails: { error: execution.error, cause: execution.cause } }]];
    case 'ExecutionTimeout':
      return [['ExecutionTimedOut', { executionTimedOutEventDetails: { error: 'States.Timeout' } }]];
    case 'StateEntered':
      return state
        ? [[`${state.type}StateEntered`, { stateEnteredEventDetails: { name: state.name, input: json(state.input), inputDetails: { truncated: false } } }]]
        : [];
    case 'StateExited': {
      if (!state) return [];
      const exited: [string, Record<string, unknown>] = [
        `${state.type}StateExited`,
        { stateExitedEventDetails: { name: state.name, output: json(state.output), outputDetails: { truncated: false } } },
      ];
      return resource && taskResult
        ? [['TaskSucceeded', { taskSucceededEventDetails: { ...resource, output: json(taskResult.value), outputDetails: { truncated: false } } }], exited]
        : [exited];
    }
    case 'StateFailed':
      if (!resource) return [];
      if (event.Error === 'States.Timeout') return [['TaskTimedOut', { taskTimedOutEventDetails: { ...resource, error: event.Error, cause } }]];
      return [['TaskFailed', { taskFailedEventDetails: { ...resource, error: event.Error, cause } }]];
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return [[event.type, { mapIterationEventDetails: { name: event.parentState?.name, index: event.index } }]];
    default:
      return [];
  }
}

function taskResource(task: TaskSpec): { resourceType: string; resource: string; region?: string } {
  if (task.integration === 'lambda-function') return { resourceType: 'lambda', resource: task.resource, region: LOCAL_REGION };
  return { resourceType: 'lambda', resource: task.integration === 'lambda-invoke' ? 'invoke' : 'invoke.waitForTaskToken' };
}
