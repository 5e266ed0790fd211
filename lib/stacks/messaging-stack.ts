import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config';
import { StockadeQueue } from '../constructs/stockade-queue';

export interface MessagingStackProps extends StackProps {
  readonly config: StageConfig;
  readonly key: IKey;
}

/** Stateful: the alarm topic and every queue (each with its DLQ and DLQ alarm). */
export class MessagingStack extends Stack {
  /** Every alarm of the stage notifies this KMS-encrypted, TLS-only topic. */
  readonly alarmTopic: Topic;
  /** OrderConfirmed events for the fulfilment hand-off. */
  readonly fulfilment: StockadeQueue;
  /** Verified Stripe events, FIFO per PaymentIntent, de-duplicated by event id, applied by one consumer. */
  readonly paymentEvents: StockadeQueue;
  /** Normalized inventory updates, FIFO grouped by SKU and de-duplicated by provider event. */
  readonly inventoryUpdates: StockadeQueue;

  constructor(scope: Construct, id: string, props: MessagingStackProps) {
    super(scope, id, props);
    const stageContext = { config: props.config, key: props.key };

    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `Stockade ${props.config.stage} alarms`,
      masterKey: props.key,
      enforceSSL: true,
    });
    if (props.config.alarms.email) {
      this.alarmTopic.addSubscription(new EmailSubscription(props.config.alarms.email));
    }

    this.fulfilment = new StockadeQueue(this, 'Fulfilment', {
      stageContext,
      alarmTopic: this.alarmTopic,
      consumerTimeout: Duration.seconds(30),
    });
    this.paymentEvents = new StockadeQueue(this, 'PaymentEvents', {
      stageContext,
      alarmTopic: this.alarmTopic,
      consumerTimeout: Duration.seconds(30),
      fifo: true,
    });
    this.inventoryUpdates = new StockadeQueue(this, 'InventoryUpdates', {
      stageContext,
      alarmTopic: this.alarmTopic,
      consumerTimeout: Duration.seconds(30),
      fifo: true,
    });
  }
}
