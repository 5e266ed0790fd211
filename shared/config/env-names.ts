/**
 * Names of environment variables that a stack sets and a function reads, defined once so both sides agree.
 * Dependency-free: the CDK app imports it too.
 */

/** The URL of the DLQ of the queue a function consumes (set by StockadeFunction.consumeQueue). */
export const DEAD_LETTER_QUEUE_URL_ENV = 'DEAD_LETTER_QUEUE_URL';
