import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SnsService } from '../../../local/aws/sns/sns';
import { alarmNameOf, PagerStandIn } from '../../../local/partners/pager/pager-stand-in';
import type { CloudAssembly, TemplateResource } from '../../../local/runtime/assembly';
import { IntrinsicResolver } from '../../../local/runtime/intrinsics';

/** Issue 17, item 3: the alarm topics deliver locally, to the pager stand-in and the e-mail file, never to the endpoint. */
describe('SNS alarm topics and the pager stand-in', () => {
  const pager = new PagerStandIn();
  const emailFile = path.join(mkdtempSync(path.join(tmpdir(), 'stockade-sns-')), 'alarm-emails.jsonl');
  const sns = new SnsService({ pagerUrl: () => pager.url, emailFile });
  const resource = (logicalId: string, type: string, properties: Record<string, unknown>): TemplateResource => ({
    stackName: 'Stockade-test-Messaging',
    logicalId,
    type,
    properties,
    metadata: {},
  });
  const page = resource('PageTopic', 'AWS::SNS::Topic', {});
  const ticket = resource('TicketTopic', 'AWS::SNS::Topic', {});
  const pageArn = sns.physical(page).ref;
  const ticketArn = sns.physical(ticket).ref;

  beforeAll(async () => {
    await pager.start();
    const resolver = new IntrinsicResolver({ stacks: [] } as unknown as CloudAssembly, () => undefined);
    await sns.provision(
      [
        page,
        ticket,
        resource('PageHttps', 'AWS::SNS::Subscription', {
          TopicArn: pageArn,
          Protocol: 'https',
          Endpoint: 'https://events.pagerduty.com/integration/abc/enqueue',
        }),
        resource('PageEmail', 'AWS::SNS::Subscription', { TopicArn: pageArn, Protocol: 'email', Endpoint: 'oncall@stockade.test' }),
      ],
      resolver,
    );
  });
  afterAll(() => pager.stop());

  const message = (name: string) => JSON.stringify({ AlarmName: name, NewStateValue: 'ALARM', OldStateValue: 'OK' });

  it('delivers an HTTPS subscription to the pager, naming the endpoint the template subscribed, and an e-mail one to the file', async () => {
    expect(await sns.publish(pageArn, message('PageApi'), 'ALARM: "PageApi"')).toBe(true);
    const answer = (await (await fetch(`${pager.url}/notifications?alarmName=PageApi`)).json()) as { items: Array<Record<string, unknown>> };
    expect(answer.items).toEqual([
      expect.objectContaining({
        messageType: 'Notification',
        topicArn: pageArn,
        endpoint: 'https://events.pagerduty.com/integration/abc/enqueue',
        body: expect.objectContaining({ Type: 'Notification', TopicArn: pageArn, Subject: 'ALARM: "PageApi"', Message: message('PageApi') }),
      }),
    ]);
    const emails = readFileSync(emailFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { to: string; notification: { Message: string } });
    expect(emails.map((e) => [e.to, e.notification.Message])).toEqual([['oncall@stockade.test', message('PageApi')]]);
  });

  it('delivers a topic without an HTTP(S) subscriber to the pager as the local subscription, and refuses an unknown topic', async () => {
    expect(await sns.publish(ticketArn, message('Tickets'))).toBe(true);
    const answer = (await (await fetch(`${pager.url}/notifications?topicArn=${encodeURIComponent(ticketArn)}`)).json()) as {
      items: Array<{ endpoint: string; body: Record<string, unknown> }>;
    };
    expect(answer.items.map((n) => [n.endpoint, alarmNameOf(n)])).toEqual([['local', 'Tickets']]);
    expect(await sns.publish('arn:aws:sns:us-east-1:000000000000:nope', message('x'))).toBe(false);
  });

  it('answers a body that is not an SNS message with 400, and forgets everything on DELETE', async () => {
    expect((await fetch(pager.url, { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await fetch(pager.url, { method: 'POST', body: '[1]' })).status).toBe(400);
    expect((await fetch(`${pager.url}/notifications`, { method: 'DELETE' })).status).toBe(204);
    expect(pager.notifications()).toEqual([]);
  });
});
