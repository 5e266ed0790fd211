import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { InvokeMessage, SerializedError, WorkerData, WorkerReply } from './protocol';

export interface LocalFunctionDefinition {
  /** Template logical id, e.g. GetHealth1A2B3C4D. */
  readonly logicalId: string;
  readonly functionName: string;
  readonly arn: string;
  /** Directory of the bundled asset in cdk.out. */
  readonly codeDirectory: string;
  /** e.g. index.handler */
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The template's ReservedConcurrentExecutions: invocations beyond it are throttled. @default unreserved */
  readonly reservedConcurrency?: number;
  /** The function's environment: template variables resolved, plus the Lambda runtime's own. */
  readonly environment: Readonly<Record<string, string>>;
  readonly logGroupName: string;
}

/**
 * An invocation Lambda refuses before the function runs: an error of the Invoke API itself (HTTP status and
 * x-amzn-ErrorType), not a function error.
 */
export interface InvokeRejection {
  readonly status: 413 | 429;
  readonly type: 'RequestEntityTooLargeException' | 'TooManyRequestsException';
  readonly message: string;
  /** Why a TooManyRequestsException was raised, as Lambda's `Reason` names it. */
  readonly reason?: string;
}

/**
 * What an invocation returned: the handler's value, or the error Lambda would report (with `rejected` when Lambda
 * refused the invocation itself: throttled, or a request over the payload limit).
 */
export type InvokeOutcome =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: SerializedError; readonly rejected?: InvokeRejection };

/** Lambda's limit on a synchronous invocation's request payload (Lambda quotas: 6 MB, request and response). */
export const MAX_SYNC_REQUEST_BYTES = 6_291_456;

/** Lambda's refusal of a request payload over MAX_SYNC_REQUEST_BYTES. */
export function requestTooLarge(): InvokeOutcome {
  const message = `Request must be smaller than ${MAX_SYNC_REQUEST_BYTES} bytes for the InvokeFunction operation`;
  return {
    ok: false,
    error: { errorType: 'RequestEntityTooLargeException', errorMessage: message },
    rejected: { status: 413, type: 'RequestEntityTooLargeException', message },
  };
}

function throttled(): InvokeOutcome {
  const message = 'Rate Exceeded.';
  return {
    ok: false,
    error: { errorType: 'TooManyRequestsException', errorMessage: message },
    rejected: { status: 429, type: 'TooManyRequestsException', message, reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
  };
}

interface ExecutionEnvironment {
  readonly worker: Worker;
  /** Settles when the bundle has been imported (the cold start). */
  ready: Promise<void>;
  busy: boolean;
  pending?: { id: number; resolve: (o: InvokeOutcome) => void; timer: NodeJS.Timeout };
}

/** Sees what CloudWatch would of a function: each invocation's outcome and duration, and each line of its log. */
export interface InvocationObserver {
  invoked(fn: LocalFunctionDefinition, outcome: InvokeOutcome, durationMs: number): void;
  logged(fn: LocalFunctionDefinition, line: string): void;
}

export interface LocalFunctionOptions {
  /** Most execution environments at once (Lambda's concurrency). @default 10 */
  readonly maxConcurrency?: number;
  /** Where the function's stdout/stderr go. */
  readonly logFile: string;
  /** Also print the function's output on this process's stderr. @default false */
  readonly echo?: boolean;
  /** The runtime's CloudWatch (metrics of invocations, and of EMF lines in the log). @default none */
  readonly observer?: InvocationObserver;
}

/**
 * A Lambda function run locally the way Lambda runs it: each execution environment is a worker thread with the
 * function's own environment that imports the bundled code once (cold start) and then serves one invocation at a
 * time; more environments start under concurrent load, up to maxConcurrency. Lambda's limits apply: an invocation
 * past the function's timeout fails with Sandbox.Timedout and its environment is terminated (the next invocation
 * starts a fresh one, module state gone); beyond the reserved concurrency an invocation is throttled; a request or
 * response over 6 MB is refused as Lambda refuses it.
 */
export class LocalFunction {
  private readonly environments: ExecutionEnvironment[] = [];
  private readonly waiting: Array<() => void> = [];
  private readonly log: WriteStream;
  private nextId = 1;
  private coldStarts = 0;
  private stopped = false;
  /** Invocations accepted and not yet finished (waiting for an environment or running): Lambda's concurrency. */
  private inFlight = 0;

  constructor(
    readonly definition: LocalFunctionDefinition,
    private readonly options: LocalFunctionOptions,
  ) {
    this.log = createWriteStream(options.logFile, { flags: 'a' });
    // Every execution environment pipes its stdout and stderr into this one stream (up to 10 environments).
    this.log.setMaxListeners(0);
  }

  get coldStartCount(): number {
    return this.coldStarts;
  }

  /** Invokes the handler with `event`; resolves with its result or its error, never rejects for handler errors. */
  async invoke(event: unknown): Promise<InvokeOutcome> {
    const started = performance.now();
    const outcome = await this.invokeOnce(event);
    this.options.observer?.invoked(this.definition, outcome, performance.now() - started);
    if (!outcome.ok) {
      // As Lambda does, a failed invocation leaves its error in the function's log.
      this.log.write(
        `${JSON.stringify({ timestamp: new Date().toISOString(), level: 'ERROR', source: 'local-runtime', errorType: outcome.error.errorType, errorMessage: outcome.error.errorMessage })}\n`,
      );
    }
    return outcome;
  }

  private async invokeOnce(event: unknown): Promise<InvokeOutcome> {
    if (this.stopped) return { ok: false, error: { errorType: 'ServiceException', errorMessage: 'The local runtime is stopping' } };
    if (Buffer.byteLength(JSON.stringify(event ?? null)) > MAX_SYNC_REQUEST_BYTES) return requestTooLarge();
    const reserved = this.definition.reservedConcurrency;
    if (reserved !== undefined && this.inFlight >= reserved) return throttled();
    this.inFlight += 1;
    try {
      return await this.run(event);
    } finally {
      this.inFlight -= 1;
    }
  }

  private async run(event: unknown): Promise<InvokeOutcome> {
    const env = await this.acquire();
    try {
      await env.ready;
    } catch (error) {
      this.discard(env);
      return { ok: false, error: { errorType: 'Runtime.ImportModuleError', errorMessage: (error as Error).message } };
    }
    const { definition } = this;
    const id = this.nextId++;
    const deadlineMs = Date.now() + definition.timeoutSeconds * 1000;
    const awsRequestId = randomUUID();
    const message: InvokeMessage = {
      type: 'invoke',
      id,
      event,
      context: {
        functionName: definition.functionName,
        functionVersion: '$LATEST',
        invokedFunctionArn: definition.arn,
        memoryLimitInMB: String(definition.memoryMb),
        awsRequestId,
        logGroupName: definition.logGroupName,
        logStreamName: `local/${definition.logicalId}`,
        deadlineMs,
      },
    };
    return new Promise<InvokeOutcome>((resolve) => {
      const timer = setTimeout(() => {
        // Lambda ends the environment of a timed-out invocation (the next one starts cold); so do we. Its log says so.
        env.pending = undefined;
        this.discard(env);
        const after = `Task timed out after ${definition.timeoutSeconds.toFixed(2)} seconds`;
        this.log.write(`${new Date().toISOString()} ${awsRequestId} ${after}\n`);
        resolve({ ok: false, error: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${awsRequestId} Error: ${after}` } });
      }, definition.timeoutSeconds * 1000);
      env.pending = {
        id,
        timer,
        resolve: (outcome) => {
          clearTimeout(timer);
          env.pending = undefined;
          this.release(env);
          resolve(outcome);
        },
      };
      env.worker.postMessage(message);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.environments.splice(0).map((env) => env.worker.terminate()));
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  private async acquire(): Promise<ExecutionEnvironment> {
    for (;;) {
      const idle = this.environments.find((e) => !e.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.environments.length < Math.min(this.options.maxConcurrency ?? 10, this.definition.reservedConcurrency ?? Infinity)) {
        const env = this.spawn();
        env.busy = true;
        return env;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(env: ExecutionEnvironment): void {
    env.busy = false;
    this.waiting.shift()?.();
  }

  private discard(env: ExecutionEnvironment): void {
    const index = this.environments.indexOf(env);
    if (index >= 0) this.environments.splice(index, 1);
    void env.worker.terminate();
    this.waiting.shift()?.();
  }

  private spawn(): ExecutionEnvironment {
    const { definition } = this;
    const [file, handlerExport] = splitHandler(definition.handler);
    const bundleFile = ['.mjs', '.js', '.cjs'].map((ext) => path.join(definition.codeDirectory, file + ext)).find((f) => existsSync(f));
    const data: WorkerData = { bundleFile: bundleFile ?? path.join(definition.codeDirectory, `${file}.mjs`), handlerExport };
    const worker = new Worker(new URL('./lambda-worker.mjs', `file://${__filename}`), {
      workerData: data,
      env: { ...definition.environment },
      stdout: true,
      stderr: true,
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, definition.memoryMb) },
    });
    worker.stdout.pipe(this.log, { end: false });
    worker.stderr.pipe(this.log, { end: false });
    const observer = this.options.observer;
    if (observer) {
      // Whole lines only: a chunk may end inside one.
      let partial = '';
      worker.stdout.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) observer.logged(definition, line);
      });
    }
    if (this.options.echo) {
      worker.stdout.on('data', (chunk: Buffer) => process.stderr.write(`[${definition.logicalId}] ${chunk.toString()}`));
      worker.stderr.on('data', (chunk: Buffer) => process.stderr.write(`[${definition.logicalId}] ${chunk.toString()}`));
    }
    this.coldStarts += 1;
    const env: ExecutionEnvironment = { worker, ready: Promise.resolve(), busy: false };
    env.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') resolve();
        else if (reply.type === 'init-error') reject(new Error(`${reply.error.errorType}: ${reply.error.errorMessage}`));
        else if (env.pending && env.pending.id === reply.id) {
          env.pending.resolve(reply.type === 'result' ? { ok: true, value: reply.value } : { ok: false, error: reply.error });
        }
      });
      worker.on('error', (error) => {
        reject(error);
        env.pending?.resolve({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: error.message } });
        this.discard(env);
      });
      worker.on('exit', (code) => {
        if (this.stopped) return;
        env.pending?.resolve({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with code ${code}` } });
        const index = this.environments.indexOf(env);
        if (index >= 0) this.environments.splice(index, 1);
      });
    });
    env.ready.catch(() => undefined);
    this.environments.push(env);
    return env;
  }
}

function splitHandler(handler: string): [string, string] {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) throw new Error(`Invalid Lambda handler "${handler}"`);
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}
