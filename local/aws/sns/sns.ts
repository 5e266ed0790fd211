import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import type { TemplateResource } from '../../runtime/assembly';
import { LOCAL_ACCOUNT, LOCAL_REGION, type IntrinsicResolver, type ResolvedResource } from '../../runtime/intrinsics';
import { generatedName, type LocalService } from '../service';

export interface SnsServiceOptions {
  /** Where HTTP(S) subscriptions are delivered instead of their endpoint (the pager stand-in); read at delivery. */
  readonly pagerUrl: () => string;
  /** E-mail subscriptions are appended here, one JSON line per message. */
  readonly emailFile: string;
}

interface Subscription {
  readonly arn: string;
  readonly protocol: string;
  readonly endpoint: string;
}

interface LocalTopic {
  readonly arn: string;
  readonly name: string;
  readonly subscriptions: Subscription[];
}

/** The SNS message an HTTP(S) subscriber receives (its JSON body). */
export interface SnsNotification {
  readonly Type: 'Notification';
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Subject?: string;
  readonly Message: string;
  readonly Timestamp: string;
  readonly SignatureVersion: '1';
  readonly Signature: string;
  readonly SigningCertURL: string;
  readonly UnsubscribeURL: string;
}

/**
 * SNS, played for the template's alarm topics: every AWS::SNS::Topic and AWS::SNS::Subscription, and Publish from
 * inside the runtime (CloudWatch alarm actions). Nothing leaves the machine: an HTTP(S) subscription (PagerDuty's,
 * Opsgenie's URL) is delivered to the pager stand-in, which records the endpoint the template named; an e-mail
 * subscription is appended to `emailFile`. A topic with no HTTP(S) subscription (dev names no destinations) is
 * delivered to the pager too, as the runtime's own `local` subscription, so its alarms can be watched. Deliveries are
 * not signed (Signature is a placeholder) and are not retried.
 */
export class SnsService implements LocalService {
  readonly name = 'SNS';
  readonly resourceTypes = ['AWS::SNS::Topic', 'AWS::SNS::Subscription'] as const;
  private readonly topics = new Map<string, LocalTopic>();
  private delivered = 0;

  constructor(private readonly options: SnsServiceOptions) {}

  async start(): Promise<void> {}

  physical(resource: TemplateResource): ResolvedResource {
    if (resource.type === 'AWS::SNS::Subscription')
      return { ref: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:subscription/${resource.logicalId}`, attributes: {} };
    const name = typeof resource.properties.TopicName === 'string' ? resource.properties.TopicName : generatedName(resource, 256);
    const arn = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`;
    return { ref: arn, attributes: { TopicArn: arn, TopicName: name } };
  }

  async provision(resources: readonly TemplateResource[], resolver: IntrinsicResolver): Promise<void> {
    for (const resource of resources.filter((r) => r.type === 'AWS::SNS::Topic')) {
      const { ref, attributes } = this.physical(resource);
      this.topics.set(ref, { arn: ref, name: attributes.TopicName ?? ref, subscriptions: [] });
    }
    for (const resource of resources.filter((r) => r.type === 'AWS::SNS::Subscription')) {
      const p = resolver.resolve(resource.properties, resource.stackName) as { TopicArn?: string; Protocol?: string; Endpoint?: string };
      const topic = this.topics.get(String(p.TopicArn));
      if (!topic) continue;
      topic.subscriptions.push({
        arn: `${topic.arn}:${resource.logicalId}`,
        protocol: String(p.Protocol ?? '').toLowerCase(),
        endpoint: String(p.Endpoint ?? ''),
      });
    }
  }

  /** The topics and their subscriptions (protocol and endpoint). */
  list(): Array<{ arn: string; name: string; subscriptions: Array<{ protocol: string; endpoint: string }> }> {
    return [...this.topics.values()].map((t) => ({
      arn: t.arn,
      name: t.name,
      subscriptions: t.subscriptions.map(({ protocol, endpoint }) => ({ protocol, endpoint })),
    }));
  }

  /**
   * Publishes to a topic of the template and delivers to its subscriptions before resolving (a delivery that fails is
   * reported on stderr, as SNS would log it, and not retried). False when no such topic exists.
   */
  async publish(topicArn: string, message: string, subject?: string): Promise<boolean> {
    const topic = this.topics.get(topicArn);
    if (!topic) return false;
    const notification: SnsNotification = {
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: topic.arn,
      ...(subject ? { Subject: subject.slice(0, 100) } : {}),
      Message: message,
      Timestamp: new Date().toISOString(),
      SignatureVersion: '1',
      Signature: 'local-unsigned',
      SigningCertURL: '',
      UnsubscribeURL: '',
    };
    const http = topic.subscriptions.filter((s) => s.protocol === 'http' || s.protocol === 'https');
    const targets = http.length > 0 ? http : [{ arn: `${topic.arn}:local`, protocol: 'http', endpoint: 'local' }];
    for (const s of topic.subscriptions.filter((sub) => sub.protocol === 'email' || sub.protocol === 'email-json'))
      appendFileSync(this.options.emailFile, `${JSON.stringify({ to: s.endpoint, subscriptionArn: s.arn, subject: notification.Subject, notification })}\n`);
    await Promise.all(targets.map((s) => this.deliver(s, notification)));
    return true;
  }

  private async deliver(subscription: Subscription, notification: SnsNotification): Promise<void> {
    try {
      const answer = await fetch(this.options.pagerUrl(), {
        method: 'POST',
        headers: {
          'content-type': 'text/plain; charset=UTF-8',
          'x-amz-sns-message-type': 'Notification',
          'x-amz-sns-message-id': notification.MessageId,
          'x-amz-sns-topic-arn': notification.TopicArn,
          'x-amz-sns-subscription-arn': subscription.arn,
          'x-stockade-subscribed-endpoint': subscription.endpoint,
        },
        body: JSON.stringify(notification),
        signal: AbortSignal.timeout(5_000),
      });
      await answer.arrayBuffer();
      this.delivered += 1;
    } catch (error) {
      process.stderr.write(`[sns] delivery to ${subscription.endpoint} failed: ${(error as Error).message}\n`);
    }
  }

  sdkEnvironment(): Record<string, string> {
    return {};
  }

  describe(): string[] {
    const subscriptions = [...this.topics.values()].reduce((n, t) => n + t.subscriptions.length, 0);
    return [
      `${this.name.padEnd(16)} ${this.topics.size} topics, ${subscriptions} subscriptions (HTTP(S) delivered to the pager, e-mail to ${this.options.emailFile})`,
    ];
  }

  async stop(): Promise<void> {}
}
