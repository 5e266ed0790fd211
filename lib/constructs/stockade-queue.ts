import { Duration, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { removalPolicyOf, type StageContext } from './stage-props';
import { stockadeAlarm } from './stockade-alarm';

export interface StockadeQueueProps {
  readonly stageContext: StageContext;
  /** Where the DLQ alarms notify (the ticket topic; the age alarm also pages through the queues' composite alarm). */
  readonly alarmTopic: ITopic;
  /** Timeout of the Lambda that consumes this queue; the visibility timeout is six times this. */
  readonly consumerTimeout: Duration;
  /** FIFO queue (and FIFO DLQ) with content-based de-duplication off: producers set MessageDeduplicationId. @default false */
  readonly fifo?: boolean;
  /** Receives before a message moves to the DLQ. @default 5 (never below 3) */
  readonly maxReceiveCount?: number;
}

/**
 * A queue that cannot lose messages quietly: KMS-encrypted with the stage key, TLS-only, with a DLQ kept 14 days
 * an alarm as soon as anything lands in it, and another when a dead-lettered message has waited an hour unhandled.
 */
export class StockadeQueue extends Construct {
  readonly queue: Queue;
  /** The longest a consumer may run per batch; the visibility timeout is six times this. */
  readonly consumerTimeout: Duration;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;
  /** The oldest dead-lettered message has waited over an hour: nobody is handling it (page severity). */
  readonly deadLetterAgeAlarm: Alarm;

  constructor(scope: Construct, id: string, props: StockadeQueueProps) {
    super(scope, id);
    const { config, key } = props.stageContext;
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    if (maxReceiveCount < 3) throw new Error(`${id}: maxReceiveCount must be at least 3`);
    const fifo = props.fifo ?? false;
    this.consumerTimeout = props.consumerTimeout;
    const common = {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
      removalPolicy: removalPolicyOf(config),
      ...(fifo ? { fifo: true } : {}),
    };
    this.deadLetterQueue = new Queue(this, 'Dlq', { ...common, retentionPeriod: Duration.days(14) });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason:
        'This is the dead-letter queue: the end of the line. Its messages stay 14 days, the DlqDepthAlarm fires on the first one, and an operator redrives them to the source queue (POST /admin/queues/{queueName}/redrive) after the fix.',
    });
    this.queue = new Queue(this, 'Queue', {
      ...common,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    const alarms = { config, action: new SnsAction(props.alarmTopic), runbook: 'Dead-letter queue depth and age' as const, evaluationPeriods: 1 };
    this.deadLetterAlarm = stockadeAlarm(this, 'DlqDepthAlarm', {
      ...alarms,
      description: `Messages in the dead-letter queue of ${id}: inspect, fix, then POST /admin/queues/{queueName}/redrive`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
    });
    this.deadLetterAgeAlarm = stockadeAlarm(this, 'DlqAgeAlarm', {
      ...alarms,
      description: `A message has waited in the dead-letter queue of ${id} for over an hour: nobody has handled it`,
      metric: this.deadLetterQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 60 * 60,
    });
  }
}
