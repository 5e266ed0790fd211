import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, LOOPBACK, listenOnLoopback, readBody } from '../../runtime/net';

/** A notification the pager received: an SNS HTTP(S) delivery, as SNS POSTs it. */
export interface PagerNotification {
  readonly receivedAt: string;
  /** x-amz-sns-message-type: Notification. */
  readonly messageType: string;
  readonly topicArn: string;
  readonly subscriptionArn: string;
  /** The endpoint the template subscribed (PagerDuty's, Opsgenie's...), or `local` for the runtime's own subscription. */
  readonly endpoint: string;
  /** The SNS message: Type, MessageId, TopicArn, Subject, Message (the CloudWatch alarm JSON), Timestamp... */
  readonly body: Record<string, unknown>;
}

/**
 * An on-call pager, played locally: it receives the alarm topics' HTTP(S) deliveries in place of the endpoints the
 * template subscribes (nothing leaves the machine) and keeps them. `GET /notifications` lists them (newest last),
 * `?alarmName=` keeps those whose alarm has that name, `?topicArn=` those of one topic; `DELETE /notifications` forgets
 * them all.
 */
export class PagerStandIn {
  readonly name = 'Pager';
  private server?: Server;
  private port = 0;
  private readonly received: PagerNotification[] = [];

  get url(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.port = await listenOnLoopback(this.server);
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  notifications(): readonly PagerNotification[] {
    return this.received;
  }

  describe(): string[] {
    return [`${this.name.padEnd(16)} ${this.url}  (stand-in for the alarm topics' HTTP(S) subscribers: GET /notifications)`];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname === '/notifications' && req.method === 'GET') {
      const alarmName = url.searchParams.get('alarmName');
      const topicArn = url.searchParams.get('topicArn');
      const items = this.received.filter((n) => (!topicArn || n.topicArn === topicArn) && (!alarmName || alarmNameOf(n) === alarmName));
      return void send(200, { items });
    }
    if (url.pathname === '/notifications' && req.method === 'DELETE') {
      this.received.splice(0);
      return void res.writeHead(204).end();
    }
    if (req.method !== 'POST') return void send(405, { error: 'method not allowed' });
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return void send(400, { error: 'the body is not JSON' });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return void send(400, { error: 'the body is not an SNS message' });
    const header = (name: string) => String(req.headers[name] ?? '');
    this.received.push({
      receivedAt: new Date().toISOString(),
      messageType: header('x-amz-sns-message-type'),
      topicArn: header('x-amz-sns-topic-arn'),
      subscriptionArn: header('x-amz-sns-subscription-arn'),
      endpoint: header('x-stockade-subscribed-endpoint') || 'local',
      body: body as Record<string, unknown>,
    });
    send(200, {});
  }
}

/** The AlarmName of the CloudWatch alarm a notification is about, when its Message is an alarm's JSON. */
export function alarmNameOf(notification: Pick<PagerNotification, 'body'>): string | undefined {
  try {
    const message = JSON.parse(String(notification.body.Message)) as { AlarmName?: unknown };
    return typeof message.AlarmName === 'string' ? message.AlarmName : undefined;
  } catch {
    return undefined;
  }
}
