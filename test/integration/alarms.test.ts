import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import {
  CloudWatchClient,
  type CompositeAlarm,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type Stripe from 'stripe';
import { apiCaller } from '../../local/clients/api-client';
import { signInWithPassword } from '../../local/clients/sign-in';
import type { PagerNotification } from '../../local/partners/pager/pager-stand-in';
import type { Endpoints } from '../../local/runtime/local-runtime';
import { localCredentials, queueNamed, stripeClient } from '../support/endpoints';
import { paidConfirmedOrder, pendingOrder, type ProbeSku, stockedSkus } from '../support/order-builders';
import { type RuntimeStores, runtimeStores } from '../support/runtime-stores';
import { clearStripeFaults, injectStripeFault } from '../support/stripe-control';
import { sendInventoryWebhook, setProviderMode } from '../support/inventory-provider';
import { until } from '../support/until';
import { readEndpoints, type RuntimeProcess, startRuntimeProcess, stopRuntimeProcess } from '../setup/local-runtime-process';

/** One alarm period, locally (STOCKADE_ALARM_PERIOD_SECONDS): every alarm's 1, 5 or 60 minutes last this long. */
const PERIOD_SECONDS = 3;

/** The JSON CloudWatch publishes on a state change (the SNS notification's Message). */
interface AlarmMessage {
  readonly AlarmName: string;
  readonly AlarmDescription: string;
  readonly NewStateValue: string;
  readonly OldStateValue: string;
  readonly NewStateReason: string;
}

/**
 * Issue 17, item 3: every class of alarm proven to fire on the local runtime. Each test provokes one as production
 * would meet it (a poison message, a failing Stripe, forged webhook signatures, an order left past its hold, a
 * provider down), then sees, through the real @aws-sdk/client-cloudwatch, the template's alarm go to ALARM, its
 * notification reach the stand-in pager through the alarm's SNS topic, and the alarm return to OK (notified too) once
 * the cause is gone. A runtime of its own, with every alarm period scaled to PERIOD_SECONDS.
 */
describe('alarms fire, notify and clear on the local runtime', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'stockade-alarms-'));
  let runtime: RuntimeProcess;
  let endpoints: Endpoints;
  let cloudWatch: CloudWatchClient;
  let lambda: LambdaClient;
  let sqs: SQSClient;
  let stores: RuntimeStores;
  let stripe: Stripe;

  beforeAll(async () => {
    runtime = await startRuntimeProcess({
      cdkOut: process.env.STOCKADE_TEST_CDK_OUT as string,
      stateDirectory: path.join(workDir, 'state'),
      // The signature-failure burst is above the dev stage's throttle and the web ACL's rate rules (proven elsewhere).
      extraArgs: ['--no-demo-data', '--no-throttle', '--no-waf-rate-rules'],
      env: { STOCKADE_ALARM_PERIOD_SECONDS: String(PERIOD_SECONDS) },
    });
    endpoints = readEndpoints<Endpoints>(runtime.endpointsFile);
    const client = { endpoint: '', region: endpoints.region, credentials: localCredentials };
    cloudWatch = new CloudWatchClient({ ...client, endpoint: endpoints.aws.cloudWatch as string });
    lambda = new LambdaClient({ ...client, endpoint: endpoints.aws.lambda });
    sqs = new SQSClient({ ...client, endpoint: endpoints.aws.sqs });
    stores = runtimeStores(endpoints);
    stripe = stripeClient(endpoints);
  }, 120_000);

  afterAll(async () => {
    cloudWatch?.destroy();
    lambda?.destroy();
    sqs?.destroy();
    stores?.dynamodb.destroy();
    if (runtime) await stopRuntimeProcess(runtime);
  });

  /** Every alarm of the template, as DescribeAlarms pages them. */
  async function allAlarms(): Promise<{ metric: MetricAlarm[]; composite: CompositeAlarm[] }> {
    const metric: MetricAlarm[] = [];
    const composite: CompositeAlarm[] = [];
    let NextToken: string | undefined;
    do {
      const page = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100, NextToken }));
      metric.push(...(page.MetricAlarms ?? []));
      composite.push(...(page.CompositeAlarms ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return { metric, composite };
  }

  /** The one metric alarm watching this metric (by namespace, name and a dimension value), in the template's stack. */
  async function alarmOn(namespace: string, metricName: string, dimension: (value: string) => boolean, stack = 'Observability'): Promise<MetricAlarm> {
    const found = (await allAlarms()).metric.filter((a) => {
      if (!a.AlarmName?.includes(`-${stack}-`)) return false;
      const stats = a.Metrics?.length ? a.Metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : [])) : [a];
      return stats.some((m) => m?.Namespace === namespace && m.MetricName === metricName && (m.Dimensions ?? []).some((d) => dimension(String(d.Value))));
    });
    expect(found).toHaveLength(1);
    return found[0] as MetricAlarm;
  }

  /** The composite alarm whose rule names this alarm (its area's page). */
  async function compositeOf(alarm: MetricAlarm): Promise<CompositeAlarm> {
    const found = (await allAlarms()).composite.filter((c) => c.AlarmRule?.includes(`"${alarm.AlarmArn}"`));
    expect(found).toHaveLength(1);
    return found[0] as CompositeAlarm;
  }

  const stateOf = async (name: string) => {
    const { MetricAlarms = [], CompositeAlarms = [] } = await cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    );
    return [...MetricAlarms, ...CompositeAlarms][0]?.StateValue;
  };
  /** Waits for the alarm's state: also before a fault, since a runtime just started evaluates its alarms a period later. */
  const reaches = (name: string, state: 'ALARM' | 'OK', timeoutMs = 8 * PERIOD_SECONDS * 1000) =>
    until(`${name} to be ${state}`, async () => ((await stateOf(name)) === state ? true : undefined), timeoutMs, 250);

  /** The pager's notifications about this alarm, oldest first. */
  async function notifications(name: string): Promise<Array<PagerNotification & { alarm: AlarmMessage }>> {
    const answer = await fetch(`${endpoints.alarms?.pagerUrl}/notifications?alarmName=${encodeURIComponent(name)}`);
    const { items } = (await answer.json()) as { items: PagerNotification[] };
    return items.map((n) => ({ ...n, alarm: JSON.parse(String(n.body.Message)) as AlarmMessage }));
  }
  /** Waits for the pager to have received the alarm's change to `state`, through one of `topicArns`. */
  const notified = (alarm: { AlarmName?: string; AlarmActions?: string[]; OKActions?: string[] }, state: 'ALARM' | 'OK') =>
    until(
      `a notification that ${alarm.AlarmName} is ${state}`,
      async () => {
        const topics = state === 'ALARM' ? alarm.AlarmActions : alarm.OKActions;
        const found = (await notifications(String(alarm.AlarmName))).find((n) => n.alarm.NewStateValue === state);
        if (!found) return undefined;
        expect(topics).toContain(found.topicArn);
        expect(found.body).toMatchObject({
          Type: 'Notification',
          TopicArn: found.topicArn,
          // SNS keeps a subject's first 100 characters.
          Subject: `${state}: "${alarm.AlarmName}" in US East (N. Virginia)`.slice(0, 100),
        });
        expect(found.alarm).toMatchObject({ AlarmName: alarm.AlarmName, NewStateValue: state, OldStateValue: state === 'ALARM' ? 'OK' : 'ALARM' });
        expect(found.alarm.NewStateReason).not.toBe('');
        // Every alarm's description links its runbook section.
        expect(found.alarm.AlarmDescription).toMatch(/docs\/operations\.md#/);
        return found;
      },
      6 * PERIOD_SECONDS * 1000,
      250,
    );

  /** The deployed name of the function whose logical id starts with `prefix`, from its role session in endpoints.json. */
  const functionNamed = (prefix: string) => {
    const names = Object.keys(endpoints.functions).filter((n) => n.includes(`-${prefix}`));
    expect(names).toHaveLength(1);
    return names[0] as string;
  };
  const invoke = async (prefix: string, payload: unknown = { source: 'aws.events', 'detail-type': 'Scheduled Event' }) => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: functionNamed(prefix), Payload: Buffer.from(JSON.stringify(payload)) }));
    return { error: out.FunctionError, payload: JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8') || 'null') as unknown };
  };

  it('a poison message in the payment events queue: the DLQ depth alarm fires, notifies and clears once the DLQ is drained', async () => {
    const dlq = queueNamed(endpoints, 'PaymentEventsDlq');
    const queueName = dlq.split('/').pop() as string;
    const alarm = await alarmOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible', (v) => v === queueName, 'Messaging');
    await reaches(alarm.AlarmName as string, 'OK');
    // A ProviderEvent whose amount is a string: the consumer dead-letters it at once.
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueNamed(endpoints, 'PaymentEventsQueue'),
        MessageBody: JSON.stringify({
          provider: 'stripe',
          eventId: 'evt_poison_alarm',
          type: 'payment_intent.succeeded',
          created: 1,
          objectId: 'pi_poison_alarm',
          paymentIntent: { id: 'pi_poison_alarm', status: 'succeeded', amount: '100', currency: 'eur' },
        }),
        MessageGroupId: 'stripe:pi_poison_alarm',
        MessageDeduplicationId: 'poison-alarm',
      }),
    );
    await reaches(alarm.AlarmName as string, 'ALARM');
    await notified(alarm, 'ALARM');

    // An operator inspects and removes it: the depth falls to 0 and the alarm clears.
    await until('the dead letter to be removed', async () => {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10 }));
      for (const m of Messages) await sqs.send(new DeleteMessageCommand({ QueueUrl: dlq, ReceiptHandle: m.ReceiptHandle }));
      return Messages.length > 0 ? true : undefined;
    });
    await reaches(alarm.AlarmName as string, 'OK');
    await notified(alarm, 'OK');
    // Its history says the same, oldest last: each change and the notification it sent.
    const { AlarmHistoryItems = [] } = await cloudWatch.send(new DescribeAlarmHistoryCommand({ AlarmName: alarm.AlarmName }));
    expect(AlarmHistoryItems.map((h) => h.HistorySummary)).toEqual(
      expect.arrayContaining([
        'Alarm updated from OK to ALARM',
        'Alarm updated from ALARM to OK',
        `Successfully executed action ${(alarm.AlarmActions ?? [])[0]}`,
      ]),
    );
  }, 60_000);

  it('a failing Stripe: the payment step fails, its function errors alarm fires, notifies and clears', async () => {
    const functionName = functionNamed('CreatePaymentIntentFunction');
    const alarm = await alarmOn('AWS/Lambda', 'Errors', (v) => v === functionName);
    await reaches(alarm.AlarmName as string, 'OK');
    const [probe] = (await stockedSkus(stores.catalog, { prefix: 'ALARMPAY', stock: 5 })) as [ProbeSku];
    const order = await pendingOrder(stores.orders, 'customer-alarms', [{ ...probe, quantity: 1 }]);
    expect(
      await stores.ledger.reserve(order.orderId, [{ sku: probe.sku, quantity: 1 }], new Date(Date.now() + 600_000).toISOString(), new Date().toISOString()),
    ).toEqual({
      outcome: 'reserved',
    });
    // Stripe answers 500 to every PaymentIntent creation (the client's retries included).
    const config = endpoints.stripe as NonNullable<Endpoints['stripe']>;
    await injectStripeFault(config, { method: 'POST', path: '/v1/payment_intents', times: 10, fault: { kind: 'error', status: 500 } });
    try {
      const failed = await invoke('CreatePaymentIntentFunction', { orderId: order.orderId });
      expect(failed.error).toBe('Unhandled');
      await reaches(alarm.AlarmName as string, 'ALARM');
      await notified(alarm, 'ALARM');
    } finally {
      await clearStripeFaults(config);
    }
    // Stripe is back: the next attempt succeeds, no failure in the following period, and the alarm clears.
    expect((await invoke('CreatePaymentIntentFunction', { orderId: order.orderId })).error).toBeUndefined();
    await reaches(alarm.AlarmName as string, 'OK');
    await notified(alarm, 'OK');
  }, 60_000);

  it("a burst of forged Stripe webhook signatures: the signature alarm fires and pages through Payments' composite, then clears", async () => {
    const alarm = await alarmOn('Stockade', 'WebhookSignatureFailures', (v) => v === 'stripe');
    const page = await compositeOf(alarm);
    expect([await stateOf(alarm.AlarmName as string), await stateOf(page.AlarmName as string)]).toEqual(['OK', 'OK']);
    const threshold = Number(alarm.Threshold);
    const body = JSON.stringify({ id: 'evt_forged', object: 'event', type: 'payment_intent.succeeded', data: { object: {} } });
    const forged = () =>
      fetch(`${endpoints.apiUrl}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` },
        body,
      }).then((r) => r.status);
    // Warm the function's environments, then more than the threshold at once, again until one period has held them
    // all (on a loaded machine a burst may straddle two periods): an attack goes on too.
    expect(new Set(await Promise.all(Array.from({ length: 10 }, forged)))).toEqual(new Set([400]));
    await until(
      `${alarm.AlarmName} to be ALARM under forged deliveries`,
      async () => {
        const statuses = await Promise.all(Array.from({ length: threshold + 10 }, forged));
        expect(new Set(statuses)).toEqual(new Set([400]));
        return (await reaches(alarm.AlarmName as string, 'ALARM', 2 * PERIOD_SECONDS * 1000).catch(() => undefined)) ? true : undefined;
      },
      40_000,
      0,
    );
    await notified(alarm, 'ALARM');
    // GetMetricData reads the failures the function logged (EMF), as the dashboard would.
    const endTime = new Date();
    const { MetricDataResults = [] } = await cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(endTime.getTime() - 60_000),
        EndTime: endTime,
        MetricDataQueries: [
          {
            Id: 'failures',
            // The alarm's metric is labelled, so the template gives it as the one MetricStat of its Metrics.
            MetricStat: { Metric: alarm.Metrics?.[0]?.MetricStat?.Metric, Period: 60, Stat: 'Sum' },
          },
        ],
      }),
    );
    expect(MetricDataResults[0]?.Values?.[0]).toBeGreaterThan(threshold);
    // The gateway counted them too, under the ApiName its 5xx-rate alarm reads: 4xx, so that alarm stays OK.
    const api5xx = await alarmOn('AWS/ApiGateway', '5XXError', () => true);
    const apiDimensions = api5xx.Metrics?.find((m) => m.MetricStat)?.MetricStat?.Metric?.Dimensions;
    const gateway = await cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(endTime.getTime() - 60_000),
        EndTime: endTime,
        MetricDataQueries: ['Count', '4XXError', '5XXError'].map((MetricName) => ({
          Id: MetricName.replace(/\W/g, '').toLowerCase(),
          MetricStat: { Metric: { Namespace: 'AWS/ApiGateway', MetricName, Dimensions: apiDimensions }, Period: 60, Stat: 'Sum' },
        })),
      }),
    );
    const sums = Object.fromEntries((gateway.MetricDataResults ?? []).map((r) => [r.Id, r.Values?.[0]]));
    expect(sums.count).toBeGreaterThan(threshold);
    expect(sums['4xxerror']).toBeGreaterThan(threshold);
    expect(sums['5xxerror']).toBe(0);
    await reaches(api5xx.AlarmName as string, 'OK');
    await reaches(page.AlarmName as string, 'ALARM');
    await notified(page, 'ALARM');
    // The forgeries stop: the next periods are quiet, the alarm and the page clear.
    await reaches(alarm.AlarmName as string, 'OK');
    await notified(alarm, 'OK');
    await notified(page, 'OK');
  }, 60_000);

  it('an order stuck past its hold: the sweeper fails it, the stuck-orders alarm fires and pages, then clears', async () => {
    const alarm = await alarmOn('Stockade', 'OrdersStuckPastHold', (v) => v === 'orders');
    const page = await compositeOf(alarm);
    await reaches(alarm.AlarmName as string, 'OK');
    // An order whose saga reserved stock and created its PaymentIntent, then died; its hold expired an hour ago.
    const [probe] = (await stockedSkus(stores.catalog, { prefix: 'ALARMSTUCK', stock: 5 })) as [ProbeSku];
    const order = await pendingOrder(stores.orders, 'customer-alarms', [{ ...probe, quantity: 1 }]);
    const at = new Date().toISOString();
    expect(await stores.ledger.reserve(order.orderId, [{ sku: probe.sku, quantity: 1 }], new Date(Date.now() - 3_600_000).toISOString(), at)).toEqual({
      outcome: 'reserved',
    });
    const intent = await stripe.paymentIntents.create({ amount: order.total.amount, currency: 'eur', metadata: { orderId: order.orderId } });
    await stores.orders.attachPayment(order.orderId, { provider: 'stripe', paymentIntentId: intent.id, status: intent.status }, at);

    const swept = await invoke('SweepExpiredHolds');
    expect(swept.error).toBeUndefined();
    expect(swept.payload).toMatchObject({ failedOrders: 1 });
    await reaches(alarm.AlarmName as string, 'ALARM');
    await notified(alarm, 'ALARM');
    await notified(page, 'ALARM');
    await reaches(alarm.AlarmName as string, 'OK');
    await notified(alarm, 'OK');
    await notified(page, 'OK');
  }, 60_000);

  it('an inventory provider down: its circuit opens, the circuit alarm fires after three periods, and clears once it recovers', async () => {
    const providerId = 'north-supply';
    const alarm = await alarmOn('Stockade', 'ProviderCircuitOpen', (v) => v === providerId);
    await reaches(alarm.AlarmName as string, 'OK');
    // A SKU whose stock the provider reports, and a sale of it the provider must hear of while it is down.
    const [probe] = (await stockedSkus(stores.catalog, { prefix: 'ALARMPROV', stock: 10 })) as [ProbeSku];
    const update = {
      eventId: `evt-alarms-${probe.sku}`,
      occurredAt: new Date().toISOString(),
      updates: [{ externalSku: `NS:${probe.sku}`, quantity: 10, version: 1 }],
    };
    expect((await sendInventoryWebhook(endpoints, providerId, update)).status).toBe(202);
    await setProviderMode(endpoints, providerId, 'down');
    try {
      await until('the SKU to follow the provider', async () => {
        const { Item } = await stores.dynamodb.send(
          new GetItemCommand({ TableName: stores.tableName('CatalogTable'), Key: { pk: { S: `SKU#${probe.sku}` }, sk: { S: 'SKU' } }, ConsistentRead: true }),
        );
        return Item?.stockSource?.S === providerId ? true : undefined;
      });
      await paidConfirmedOrder({ orders: stores.orders, ledger: stores.ledger, stripe }, { ...probe, customerId: 'customer-alarms', quantity: 1 });
      // The relay runs (as its schedule does, here every second): its attempts fail, the circuit opens, and each run
      // reports it open until the alarm has seen three breaching periods.
      const relay = async () => {
        const { payload } = await invoke('RelayStockNotifications');
        return (payload as { providers: Array<{ providerId: string; outcome: string }> }).providers.find((p) => p.providerId === providerId)?.outcome;
      };
      await until(
        `${alarm.AlarmName} to be ALARM while the relay runs`,
        async () => {
          await relay();
          return (await stateOf(alarm.AlarmName as string)) === 'ALARM' ? true : undefined;
        },
        12 * PERIOD_SECONDS * 1000,
        500,
      );
      await notified(alarm, 'ALARM');
    } finally {
      await setProviderMode(endpoints, providerId, 'up');
    }
    // The provider is back: once the circuit half-opens, the relay delivers and reports it closed; the alarm clears.
    await until(
      `${alarm.AlarmName} to be OK while the relay runs`,
      async () => {
        await invoke('RelayStockNotifications');
        return (await stateOf(alarm.AlarmName as string)) === 'OK' ? true : undefined;
      },
      45_000,
      1_000,
    );
    await notified(alarm, 'OK');
    // Its own waits allow 36 s for the alarm and 45 s for the recovery; the test's timeout leaves them room on a busy runner.
  }, 150_000);

  it('the API answering 5xx (Stripe failing under order cancellation): the 5xx-rate alarm fires for two periods, pages through the Api composite, then clears', async () => {
    const alarm = await alarmOn('AWS/ApiGateway', '5XXError', () => true);
    const page = await compositeOf(alarm);
    expect([await stateOf(alarm.AlarmName as string), await stateOf(page.AlarmName as string)]).toEqual(['OK', 'OK']);
    // The demo customer, signed in as a storefront does, owns orders that hold a PaymentIntent.
    const identity = endpoints.cognito as NonNullable<Endpoints['cognito']>;
    const cognito = new CognitoIdentityProviderClient({ endpoint: identity.endpoint, region: endpoints.region, credentials: localCredentials });
    const token = (await signInWithPassword(cognito, identity.clientId, (endpoints.users as NonNullable<Endpoints['users']>).customer)).AccessToken;
    cognito.destroy();
    const sub = String((JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as { sub: string }).sub);
    const [probe] = (await stockedSkus(stores.catalog, { prefix: 'ALARMAPI', stock: 50 })) as [ProbeSku];
    const orderIds: string[] = [];
    for (let i = 0; i < 12; i++) {
      const order = await pendingOrder(stores.orders, sub, [{ ...probe, quantity: 1 }]);
      const at = new Date().toISOString();
      await stores.ledger.reserve(order.orderId, [{ sku: probe.sku, quantity: 1 }], new Date(Date.now() + 600_000).toISOString(), at);
      const intent = await stripe.paymentIntents.create({ amount: order.total.amount, currency: 'eur', metadata: { orderId: order.orderId } });
      await stores.orders.attachPayment(order.orderId, { provider: 'stripe', paymentIntentId: intent.id, status: intent.status }, at);
      orderIds.push(order.orderId);
    }
    // Stripe fails every read of a PaymentIntent: each cancellation cancels the order, then cannot void its payment
    // and answers 503 (a transient failure, to retry). One a second, until the alarm has seen two periods of them.
    const config = endpoints.stripe as NonNullable<Endpoints['stripe']>;
    await injectStripeFault(config, { method: 'GET', pathPattern: '^/v1/payment_intents/[^/]+$', times: 1_000, fault: { kind: 'error', status: 500 } });
    const call = apiCaller(endpoints.apiUrl);
    try {
      await until(
        `${alarm.AlarmName} to be ALARM while cancellations fail`,
        async () => {
          const orderId = orderIds.shift();
          if (!orderId) throw new Error('Out of orders to cancel before the alarm fired');
          expect((await call('POST', `/orders/${orderId}/cancel`, token)).status).toBe(503);
          return (await stateOf(alarm.AlarmName as string)) === 'ALARM' ? true : undefined;
        },
        20_000,
        700,
      );
      await notified(alarm, 'ALARM');
      await reaches(page.AlarmName as string, 'ALARM');
      await notified(page, 'ALARM');
    } finally {
      await clearStripeFaults(config);
    }
    // Stripe is back and the failures stop: two quiet periods later the alarm and the page clear.
    await reaches(alarm.AlarmName as string, 'OK');
    await notified(alarm, 'OK');
    await notified(page, 'OK');
  }, 60_000);

  it("is IAM-authorized: a function's role, granted nothing of CloudWatch, is refused DescribeAlarms", async () => {
    const [functionName, session] = Object.entries(endpoints.functions)[0] as [string, Endpoints['functions'][string]];
    const asFunction = new CloudWatchClient({ endpoint: endpoints.aws.cloudWatch as string, region: endpoints.region, credentials: session });
    try {
      await expect(asFunction.send(new DescribeAlarmsCommand({}))).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining('cloudwatch:DescribeAlarms'),
      });
    } finally {
      asFunction.destroy();
    }
    expect(functionName).toMatch(/^Stockade-dev-/);
  });
});
