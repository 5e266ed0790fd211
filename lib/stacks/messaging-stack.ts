import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config';
import { StockadeQueue } from '../constructs/stockade-queue';

export interface MessagingStackProps extends StackProps {
  readonly config: StageConfig;
  readonly key: IKey;
}

/** Stateful: the alarm topics (ticket and page) and every queue (each with its DLQ and DLQ alarms). */
export class MessagingStack extends Stack {
  /** Tickets: every alarm of the stage notifies this KMS-encrypted, TLS-only topic when it fires and when it clears. */
  readonly alarmTopic: Topic;
  /** Pages: the composite alarms of the page-severity alarms notify this one (someone must act now). */
  readonly pageTopic: Topic;
  /** OrderConfirmed events for the fulfilment hand-off. */
  readonly fulfilment: StockadeQueue;
  /** Verified Stripe events, FIFO per PaymentIntent, de-duplicated by event id, applied by one consumer. */
  readonly paymentEvents: StockadeQueue;
  /** Normalized inventory updates, FIFO grouped by SKU and de-duplicated by provider event. */
  readonly inventoryUpdates: StockadeQueue;
  /**
   * Erasure requests (DELETE /me, POST /admin/users/{userId}/erasure) for the erasure run; a request waiting for an
   * open order is tried again with backoff up to the stage's `privacy.erasureMaxAttempts` before it is dead-lettered.
   */
  readonly erasureRequests: StockadeQueue;

  constructor(scope: Construct, id: string, props: MessagingStackProps) {
    super(scope, id, props);
    const stageContext = { config: props.config, key: props.key };

    const topic = (topicId: string, severity: 'page' | 'ticket', displayName: string) => {
      const created = new Topic(this, topicId, { displayName, masterKey: props.key, enforceSSL: true });
      const { emails, httpsEndpoints } = props.config.alarms[severity];
      for (const email of emails) created.addSubscription(new EmailSubscription(email));
      for (const url of httpsEndpoints) created.addSubscription(new UrlSubscription(url, { protocol: SubscriptionProtocol.HTTPS }));
      return created;
    };
    this.alarmTopic = topic('AlarmTopic', 'ticket', `Stockade ${props.config.stage} alarms (tickets)`);
    this.pageTopic = topic('PageTopic', 'page', `Stockade ${props.config.stage} pages`);

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
    this.erasureRequests = new StockadeQueue(this, 'ErasureRequests', {
      stageContext,
      alarmTopic: this.alarmTopic,
      consumerTimeout: Duration.seconds(60),
      maxReceiveCount: props.config.privacy.erasureMaxAttempts,
    });
  }
}
