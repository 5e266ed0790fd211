import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { CloudAssembly } from '../../runtime/assembly';
import { LOCAL_REGION, type IntrinsicResolver } from '../../runtime/intrinsics';
import type { SqsService } from '../sqs/sqs';
import type { LambdaService } from './lambda-service';
import type { LocalFunction } from './local-function';

interface Mapping {
  readonly logicalId: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly fifo: boolean;
  readonly fn: LocalFunction;
  readonly batchSize: number;
  readonly reportBatchItemFailures: boolean;
  readonly pollers: number;
  /** Lambda polls with the function's execution role: ReceiveMessage and DeleteMessage are authorized on it. */
  readonly client: SQSClient;
}

/**
 * Every AWS::Lambda::EventSourceMapping from an SQS queue, polled the way Lambda polls: batches of up to BatchSize,
 * the function invoked with an SQS event of the real shape, successful records deleted, and with
 * ReportBatchItemFailures only the failed ones left to return after the visibility timeout (and reach the DLQ after
 * maxReceiveCount). A failed invocation deletes nothing: a function error, a timeout (its environment is replaced) or
 * a throttle past the function's reserved concurrency returns the whole batch to the queue, as on Lambda.
 */
export class SqsEventSourceService {
  private readonly mappings: Mapping[] = [];
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private delivered = 0;

  constructor(
    private readonly sqs: SqsService,
    private readonly lambdas: LambdaService,
  ) {}

  /** Reads the template's SQS event source mappings. */
  configure(assembly: CloudAssembly, resolver: IntrinsicResolver): void {
    const queues = assembly.resourcesOfType('AWS::SQS::Queue');
    for (const resource of assembly.resourcesOfType('AWS::Lambda::EventSourceMapping')) {
      const p = resolver.resolve(resource.properties, resource.stackName) as {
        EventSourceArn?: string;
        FunctionName?: string;
        BatchSize?: number;
        Enabled?: boolean;
        FunctionResponseTypes?: string[];
        ScalingConfig?: { MaximumConcurrency?: number };
      };
      const queue = queues.find((q) => this.sqs.physical(q).attributes.Arn === p.EventSourceArn);
      if (!queue || p.Enabled === false) continue;
      const { ref: queueUrl, attributes } = this.sqs.physical(queue);
      const fifo = queue.properties.FifoQueue === true;
      const fn = this.lambdas.byName(String(p.FunctionName));
      this.mappings.push({
        logicalId: resource.logicalId,
        queueUrl,
        queueArn: attributes.Arn ?? '',
        fifo,
        fn,
        client: new SQSClient({ endpoint: this.sqs.endpoint, region: LOCAL_REGION, credentials: this.lambdas.credentialsOf(fn) }),
        batchSize: Math.min(p.BatchSize ?? 10, 10),
        reportBatchItemFailures: (p.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures'),
        // FIFO order per message group: one poller; standard queues: a little parallelism, as Lambda's pollers.
        pollers: fifo ? 1 : Math.min(p.ScalingConfig?.MaximumConcurrency ?? 2, 2),
      });
    }
  }

  start(): void {
    for (const mapping of this.mappings) {
      for (let i = 0; i < mapping.pollers; i++) this.loops.push(this.poll(mapping));
    }
  }

  describe(): string[] {
    return this.mappings.length ? [`${'SQS -> Lambda'.padEnd(16)} ${this.mappings.length} event source mappings`] : [];
  }

  get deliveredCount(): number {
    return this.delivered;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
    for (const mapping of this.mappings) mapping.client.destroy();
  }

  private async poll(mapping: Mapping): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      let messages: Message[] = [];
      try {
        const received = await mapping.client.send(
          new ReceiveMessageCommand({
            QueueUrl: mapping.queueUrl,
            MaxNumberOfMessages: mapping.batchSize,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: signal },
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (signal.aborted) return;
        process.stderr.write(`[sqs] ${mapping.logicalId}: receive failed: ${(error as Error).message}\n`);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (messages.length === 0) continue;
      const event: SQSEvent = { Records: messages.map((m) => toRecord(m, mapping.queueArn)) };
      const outcome = await mapping.fn.invoke(event);
      if (!outcome.ok) continue; // the whole batch returns after its visibility timeout
      const failed = new Set<string>();
      if (mapping.reportBatchItemFailures) {
        const failures = (outcome.value as { batchItemFailures?: Array<{ itemIdentifier?: string }> } | null)?.batchItemFailures ?? [];
        for (const f of failures) if (f.itemIdentifier) failed.add(f.itemIdentifier);
      }
      const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
      this.delivered += done.length;
      if (done.length > 0) {
        await mapping.client.send(
          new DeleteMessageBatchCommand({ QueueUrl: mapping.queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }),
        );
      }
    }
  }
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = (message.Attributes ?? {}) as Record<string, string>;
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
      ...(attributes.MessageDeduplicationId ? { MessageDeduplicationId: attributes.MessageDeduplicationId } : {}),
      ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, a]) => [
        name,
        {
          dataType: a.DataType ?? 'String',
          stringValue: a.StringValue,
          binaryValue: a.BinaryValue ? Buffer.from(a.BinaryValue).toString('base64') : undefined,
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  } as SQSRecord;
}
