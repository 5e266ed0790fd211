import { AwsServiceError } from '../service';

/** An error of the Step Functions API, answered as `{ "__type": type, "message": message }`. */
export class SfnApiError extends AwsServiceError {}

/**
 * A state failure as the interpreter matches it against Retry and Catch: `name` is the ASL error name
 * (States.TaskFailed matches any of them but States.Timeout), `message` becomes the Cause.
 */
export class TaskFailure extends Error {
  /** Read by the interpreter: false makes Retry skip the error. */
  readonly isRetryable: boolean;
  /** Read by the interpreter: false makes Catch skip the error (as AWS does for States.Runtime). */
  readonly isCatchable: boolean;

  constructor(error: string, cause: string, options: { retryable?: boolean; catchable?: boolean } = {}) {
    super(cause);
    this.name = error;
    this.isRetryable = options.retryable ?? true;
    this.isCatchable = options.catchable ?? true;
  }
}

/** Thrown into a task whose execution was stopped: neither retried nor caught, so the execution just ends. */
export function executionStopped(reason: string): TaskFailure {
  return new TaskFailure('States.Runtime', reason, { retryable: false, catchable: false });
}
