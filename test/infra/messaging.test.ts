import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { resolveStageConfig } from '../../lib/config/stages';
import { StockadeFunction } from '../../lib/constructs/stockade-function';
import { StockadeQueue } from '../../lib/constructs/stockade-queue';
import { type CfnResourceJson, isStageKeyArn, resolveReference, resourcesOfType, STACK_KEYS, STAGES, synthStage } from './synth-stage';

interface RedrivePolicy {
  readonly deadLetterTargetArn?: unknown;
  readonly maxReceiveCount?: number;
}

interface PolicyStatementJson {
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

function logicalIdOf(construct: IConstruct): string {
  const cfn = construct.node.defaultChild as CfnQueue;
  return Stack.of(cfn).resolve(Stack.of(cfn).getLogicalId(cfn)) as string;
}

describe.each(STAGES)('queues (%s)', (stage) => {
  const synth = () => synthStage(stage);
  const queues = () => resourcesOfType(synth().templates.messaging, 'AWS::SQS::Queue');
  const redriveOf = (queue: CfnResourceJson) => queue.Properties?.RedrivePolicy as RedrivePolicy | undefined;
  const deadLetterQueueIds = () =>
    new Set(
      Object.values(queues()).flatMap((q) => {
        const target = resolveReference(synth(), 'messaging', redriveOf(q)?.deadLetterTargetArn);
        return target ? [target.logicalId] : [];
      }),
    );

  test('every queue in the stage is a StockadeQueue queue or DLQ', () => {
    const stockadeQueues = synth()
      .stacks.messaging.node.findAll()
      .filter((c): c is StockadeQueue => c instanceof StockadeQueue);
    expect(stockadeQueues.length).toBeGreaterThanOrEqual(2);
    const owned = new Set(stockadeQueues.flatMap((q) => [logicalIdOf(q.queue), logicalIdOf(q.deadLetterQueue)]));
    expect(Object.keys(queues()).sort()).toEqual([...owned].sort());
    for (const key of STACK_KEYS.filter((k) => k !== 'messaging')) {
      expect({ stack: key, queues: Object.keys(resourcesOfType(synth().templates[key], 'AWS::SQS::Queue')) }).toEqual({ stack: key, queues: [] });
    }
  });

  test('every queue is encrypted with the stage key', () => {
    for (const [logicalId, queue] of Object.entries(queues())) {
      expect({ logicalId, stageKey: isStageKeyArn(synth(), 'messaging', queue.Properties?.KmsMasterKeyId) }).toEqual({ logicalId, stageKey: true });
    }
  });

  test('every source queue redrives to an existing DLQ after at least 3 receives', () => {
    const dlqs = deadLetterQueueIds();
    const sources = Object.entries(queues()).filter(([id]) => !dlqs.has(id));
    expect(dlqs.size).toBeGreaterThan(0);
    expect(sources.length).toBeGreaterThan(0);
    for (const [logicalId, queue] of sources) {
      const redrive = redriveOf(queue);
      const target = resolveReference(synth(), 'messaging', redrive?.deadLetterTargetArn);
      expect({ logicalId, dlqType: target?.resource.Type, dlqAttribute: target?.attribute }).toEqual({
        logicalId,
        dlqType: 'AWS::SQS::Queue',
        dlqAttribute: 'Arn',
      });
      expect(redrive?.maxReceiveCount).toBeGreaterThanOrEqual(3);
    }
  });

  test('every queue has a policy denying any request not sent over TLS', () => {
    const policies = Object.values(resourcesOfType(synth().templates.messaging, 'AWS::SQS::QueuePolicy'));
    for (const logicalId of Object.keys(queues())) {
      const statements = policies
        .filter((p) => (p.Properties?.Queues as unknown[] | undefined)?.some((q) => resolveReference(synth(), 'messaging', q)?.logicalId === logicalId))
        .flatMap((p) => (p.Properties?.PolicyDocument as { Statement?: PolicyStatementJson[] } | undefined)?.Statement ?? []);
      const denyInsecure = statements.filter(
        (s) =>
          s.Effect === 'Deny' &&
          JSON.stringify(s.Principal) === JSON.stringify({ AWS: '*' }) &&
          s.Action === 'sqs:*' &&
          String(s.Condition?.Bool?.['aws:SecureTransport']) === 'false',
      );
      expect({ logicalId, denyInsecure: denyInsecure.length }).toEqual({ logicalId, denyInsecure: 1 });
    }
  });

  test('every DLQ has an alarm on its first message, notifying the alarm topic', () => {
    const alarms = Object.values(resourcesOfType(synth().templates.messaging, 'AWS::CloudWatch::Alarm'));
    for (const dlq of deadLetterQueueIds()) {
      const matching = alarms.filter((a) => {
        const p = a.Properties ?? {};
        const dims = (p.Dimensions as { Name: string; Value: unknown }[] | undefined) ?? [];
        return (
          p.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          p.Namespace === 'AWS/SQS' &&
          p.Threshold === 0 &&
          p.ComparisonOperator === 'GreaterThanThreshold' &&
          dims.some((d) => d.Name === 'QueueName' && resolveReference(synth(), 'messaging', d.Value)?.logicalId === dlq) &&
          ((p.AlarmActions as unknown[] | undefined) ?? []).some(
            (action) => resolveReference(synth(), 'messaging', action)?.resource.Type === 'AWS::SNS::Topic',
          )
        );
      });
      expect({ dlq, alarms: matching.length }).toEqual({ dlq, alarms: 1 });
    }
  });

  test('visibility timeout is at least six times the consumer timeout each StockadeQueue was sized for', () => {
    // No function consumes a queue yet, so this checks the declared consumerTimeout; StockadeFunction.consumeQueue
    // refuses a consumer slower than that (tested below), which carries the guarantee over to real consumers.
    const stockadeQueues = synth()
      .stacks.messaging.node.findAll()
      .filter((c): c is StockadeQueue => c instanceof StockadeQueue);
    expect(stockadeQueues.length).toBeGreaterThan(0);
    for (const q of stockadeQueues) {
      const visibility = queues()[logicalIdOf(q.queue)]?.Properties?.VisibilityTimeout as number | undefined;
      expect({ queue: q.node.path, visibility }).toEqual({ queue: q.node.path, visibility: expect.any(Number) });
      expect(visibility).toBeGreaterThanOrEqual(6 * q.consumerTimeout.toSeconds());
    }
  });
});

describe('StockadeFunction.consumeQueue', () => {
  const build = (functionTimeout: Duration) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'ConsumerTest');
    const stageContext = { config: resolveStageConfig({ stage: 'dev' }), key: new Key(stack, 'Key', { enableKeyRotation: true }) };
    const queue = new StockadeQueue(stack, 'Work', { stageContext, alarmTopic: new Topic(stack, 'Alarms'), consumerTimeout: Duration.seconds(20) });
    const fn = new StockadeFunction(stack, 'Consumer', { stageContext, entry: 'platform/get-health', service: 'test', timeout: functionTimeout });
    return { stack, queue, fn };
  };

  test('refuses a consumer slower than the consumerTimeout the queue was sized for', () => {
    const { queue, fn } = build(Duration.seconds(30));
    expect(() => fn.consumeQueue(queue)).toThrow(/timeout 30 s exceeds the consumerTimeout \(20 s\)/);
  });

  test('wires a fitting consumer with partial batch failure reporting', () => {
    const { stack, queue, fn } = build(Duration.seconds(20));
    fn.consumeQueue(queue);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(queue.queue), 'Arn'] },
    });
  });
});
