/** Why a redrive run stopped. */
export type RedriveStop = 'empty' | 'max-messages' | 'deadline' | 'send-failed';

export interface RedriveResult {
  /** Messages sent back to the source queue and deleted from its DLQ. */
  readonly moved: number;
  readonly stoppedBy: RedriveStop;
}

/** Moves dead-lettered messages back to the queue they came from, by the queue's operator-facing name. */
export interface DeadLetterRedrive {
  /** Whether `queueName` is one of the stage's queues that may be redriven. */
  knows(queueName: string): boolean;
  /**
   * Moves messages from the queue's DLQ back to it, oldest first (a FIFO queue's messages keep their group and
   * order), until the DLQ is empty, `maxMessages` moved, `deadline` passed, or the source queue refused one.
   */
  redrive(queueName: string, limits: { readonly maxMessages: number; readonly deadline: Date }): Promise<RedriveResult>;
}
