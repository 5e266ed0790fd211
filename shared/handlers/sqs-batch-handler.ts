import { BatchProcessor, EventType, processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from '../validation/zod';
import { SqsDeadLetters } from '../adapters/sqs-dead-letters';
import { requiredEnv } from '../config/env';
import { DEAD_LETTER_QUEUE_URL_ENV } from '../config/env-names';
import { issuesOf } from '../http/zod-errors';
import { logger, metrics } from '../observability/powertools';
// Readable stack traces in the logs, paid for at the first logged error rather than at every cold start.
import '../observability/source-mapped-stacks';

export interface SqsBatchHandlerOptions<S extends z.ZodMiniType> {
  /**
   * 'fifo': records are processed in order and a failed record fails the rest of its message group in the batch (other
   * groups go on); 'standard': each record on its own.
   */
  readonly queue: 'fifo' | 'standard';
  /** What every message body must be, as JSON. A body that is not can never succeed: it goes straight to the DLQ. */
  readonly schema: S;
  /** Applies one valid message; throwing fails the record, which SQS redelivers (and dead-letters after maxReceiveCount). */
  readonly handle: (message: z.infer<S>, record: SQSRecord) => Promise<void>;
  /** Runs after a batch with failed records, e.g. to bring them back sooner than the visibility timeout. */
  readonly afterFailures?: (records: readonly SQSRecord[], failedMessageIds: ReadonlySet<string>) => Promise<void>;
  /** @default an SqsDeadLetters for the DLQ whose URL is in DEAD_LETTER_QUEUE_URL */
  readonly deadLetters?: Pick<SqsDeadLetters, 'send'>;
}

/** A message body parsed with its schema, or the fault, named by field and rule: never its values. */
export function parseMessage<S extends z.ZodMiniType>(body: string, schema: S): { ok: true; message: z.infer<S> } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'The message body is not JSON' };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, message: result.data };
  return { ok: false, reason: `The message body is malformed: ${issuesOf(result.error)}` };
}

/**
 * The one way Stockade consumes an SQS queue: Powertools logger and metrics, each body parsed with the queue's zod
 * schema, partial batch failures (Powertools batch, FIFO-aware). A malformed message is sent straight to the DLQ with
 * the reason (`MessagesDeadLettered` metric, a WARN log without the body) and acknowledged, so it neither blocks its
 * FIFO group for maxReceiveCount visibility timeouts nor is lost; if that send fails, the record fails as usual.
 */
export function sqsBatchHandler<S extends z.ZodMiniType>(options: SqsBatchHandlerOptions<S>) {
  const deadLetters = options.deadLetters ?? new SqsDeadLetters(new SQSClient({}), requiredEnv(DEAD_LETTER_QUEUE_URL_ENV));
  const fifo = new SqsFifoPartialProcessorAsync();
  const standard = new BatchProcessor(EventType.SQS);
  const processor = options.queue === 'fifo' ? fifo : standard;
  const processBatch = (event: SQSEvent, context: Context) =>
    options.queue === 'fifo'
      ? processPartialResponse(event, processRecord, fifo, { context, skipGroupOnError: true, throwOnFullBatchFailure: false })
      : processPartialResponse(event, processRecord, standard, { context, throwOnFullBatchFailure: false });

  async function processRecord(record: SQSRecord): Promise<void> {
    const parsed = parseMessage(record.body, options.schema);
    if (!parsed.ok) {
      await deadLetters.send(record, parsed.reason);
      metrics.addMetric('MessagesDeadLettered', MetricUnit.Count, 1);
      logger.warn('Malformed message sent to the dead-letter queue', { messageId: record.messageId, reason: parsed.reason });
      return;
    }
    await options.handle(parsed.message, record);
  }

  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const response = await processBatch(event, context);
    if (response.batchItemFailures.length > 0) {
      // The name and message of each error only: message bodies are not echoed into the logs.
      processor.errors.forEach((error, i) =>
        logger.warn('Message failed', {
          messageId: (processor.failureMessages[i] as SQSRecord | undefined)?.messageId,
          errorName: error.name,
          errorMessage: error.message,
        }),
      );
      metrics.addMetric('MessagesFailed', MetricUnit.Count, response.batchItemFailures.length);
      await options.afterFailures?.(event.Records, new Set(response.batchItemFailures.map((f) => f.itemIdentifier)));
    }
    return response;
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}
