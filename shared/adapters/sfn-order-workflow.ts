import { type SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { OrderWorkflow, WaitingSteps } from '../ports/workflow';

/**
 * The order saga on Step Functions (Standard). The execution name is the order id: starting the same order twice
 * is a no-op while it runs, and refused (ExecutionAlreadyExists) after, which is the same outcome for us.
 */
export class SfnOrderWorkflow implements OrderWorkflow {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(orderId: string): Promise<void> {
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: orderId, input: JSON.stringify({ orderId }) }));
    } catch (error) {
      if ((error as { name?: string }).name !== 'ExecutionAlreadyExists') throw error;
    }
  }
}

/** Errors that mean the wait is already over: answered, timed out, or its execution ended. */
const WAIT_OVER = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export class SfnWaitingSteps implements WaitingSteps {
  constructor(private readonly client: SFNClient) {}

  succeed(taskToken: string, output: unknown): Promise<boolean> {
    return this.answer(() => this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })));
  }

  fail(taskToken: string, error: string, cause: string): Promise<boolean> {
    return this.answer(() => this.client.send(new SendTaskFailureCommand({ taskToken, error, cause })));
  }

  private async answer(send: () => Promise<unknown>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (WAIT_OVER.has((error as { name?: string }).name ?? '')) return false;
      throw error;
    }
  }
}
