/** Starts the order saga; starting it again for the same order is harmless. */
export interface OrderWorkflow {
  start(orderId: string): Promise<void>;
}

/** Answers a saga step that waits for an outside event (the payment), by its task token. */
export interface WaitingSteps {
  /** Resolves false when the wait is already over (answered, timed out, or the execution ended). */
  succeed(taskToken: string, output: unknown): Promise<boolean>;
  fail(taskToken: string, error: string, cause: string): Promise<boolean>;
}
