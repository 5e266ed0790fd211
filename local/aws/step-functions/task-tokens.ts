import { randomBytes } from 'node:crypto';
import { SfnApiError, TaskFailure, executionStopped } from './errors';

export interface OpenTask {
  readonly token: string;
  /** Settles with the SendTaskSuccess output, or rejects with the failure the task ends with. */
  readonly result: Promise<unknown>;
  /** True while nobody has answered the token and no timer has closed it. */
  isOpen(): boolean;
}

export interface OpenTaskOptions {
  /** The execution it belongs to (its ARN), so that stopping the execution closes its tokens. */
  readonly executionArn: string;
  readonly stateName: string;
  /** Fails the task with States.HeartbeatTimeout when no SendTaskHeartbeat/Success/Failure comes in time. */
  readonly heartbeatSeconds?: number;
  /**
   * When the interpreter times the task out (it raises the genuine States.Timeout itself, which Retry/Catch match
   * as in AWS). The token is closed then, so a late answer gets TaskTimedOut as in AWS.
   */
  readonly timeoutAt?: number;
}

interface PendingTask {
  readonly options: OpenTaskOptions;
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
  heartbeat?: NodeJS.Timeout;
  timeout?: NodeJS.Timeout;
}

/**
 * The task tokens of `.waitForTaskToken` tasks across executions, answered through SendTaskSuccess,
 * SendTaskFailure and SendTaskHeartbeat. A token that was answered, timed out or whose execution ended stays known
 * as closed, so a late answer is told TaskTimedOut (as AWS does) rather than TaskDoesNotExist.
 */
export class TaskTokens {
  private readonly pending = new Map<string, PendingTask>();
  private readonly closed = new Map<string, string>();
  /** The state machine of every token issued, answered or not (IAM authorizes SendTask* on it). */
  private readonly machines = new Map<string, string>();

  /** A fresh opaque token (AWS tokens are long base64 strings; this one is random, 64 bytes, base64url). */
  mint(): string {
    return randomBytes(64).toString('base64url');
  }

  open(token: string, options: OpenTaskOptions): OpenTask {
    let resolve!: (output: unknown) => void;
    let reject!: (error: Error) => void;
    const result = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Rejections reach the interpreter through `result`; this only keeps an unobserved one from being reported.
    result.catch(() => undefined);
    const task: PendingTask = { options, resolve, reject };
    this.pending.set(token, task);
    this.machines.set(token, options.executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''));
    this.armHeartbeat(token, task);
    if (options.timeoutAt !== undefined) {
      task.timeout = setTimeout(() => this.close(token, 'timed out'), Math.max(0, options.timeoutAt - Date.now()));
    }
    return { token, result, isOpen: () => this.pending.has(token) };
  }

  /** The ARN of the state machine whose execution issued this token. */
  stateMachineOf(token: string): string | undefined {
    return this.machines.get(token);
  }

  succeed(token: string, output: unknown): void {
    const task = this.take(token);
    task.resolve(output);
  }

  fail(token: string, error: string, cause: string): void {
    const task = this.take(token);
    task.reject(new TaskFailure(error, cause));
  }

  heartbeat(token: string): void {
    const task = this.find(token);
    this.armHeartbeat(token, task);
  }

  /** Closes a token without answering it (its invocation failed, or its execution moved on). */
  close(token: string, reason: string, error?: Error): void {
    const task = this.pending.get(token);
    if (!task) return;
    this.release(token, task, reason);
    if (error) task.reject(error);
  }

  /** Closes every open token of an execution, failing its waiting tasks so the interpreter can unwind. */
  closeExecution(executionArn: string, reason: string): void {
    for (const [token, task] of [...this.pending]) {
      if (task.options.executionArn === executionArn) this.close(token, reason, executionStopped(reason));
    }
  }

  /** Fails every waiting task and forgets every token (the runtime is stopping). */
  closeAll(reason: string): void {
    for (const token of [...this.pending.keys()]) this.close(token, reason, executionStopped(reason));
    this.closed.clear();
    this.machines.clear();
  }

  private take(token: string): PendingTask {
    const task = this.find(token);
    this.release(token, task, 'answered');
    return task;
  }

  private find(token: string): PendingTask {
    if (typeof token !== 'string' || token.length === 0 || token.length > 1024) throw new SfnApiError('InvalidToken', 'Invalid Token');
    const task = this.pending.get(token);
    if (task) return task;
    const reason = this.closed.get(token);
    if (reason) throw new SfnApiError('TaskTimedOut', `Task Timed Out: the task of this token is closed (${reason})`);
    throw new SfnApiError('TaskDoesNotExist', 'Task Does Not Exist');
  }

  private release(token: string, task: PendingTask, reason: string): void {
    clearTimeout(task.heartbeat);
    clearTimeout(task.timeout);
    this.pending.delete(token);
    this.closed.set(token, `${task.options.stateName}: ${reason}`);
  }

  private armHeartbeat(token: string, task: PendingTask): void {
    const seconds = task.options.heartbeatSeconds;
    if (seconds === undefined) return;
    clearTimeout(task.heartbeat);
    task.heartbeat = setTimeout(() => {
      this.release(token, task, 'heartbeat timed out');
      task.reject(new TaskFailure('States.HeartbeatTimeout', `No heartbeat for ${seconds} seconds`));
    }, seconds * 1000);
  }
}
