import type { Context, SQSRecord } from 'aws-lambda';
import * as z from '../../../shared/validation/zod';
import { authorizerHandler } from '../../../shared/handlers/authorizer-handler';
import { cognitoTriggerHandler } from '../../../shared/handlers/cognito-trigger-handler';
import { scheduledHandler } from '../../../shared/handlers/scheduled-handler';
import { secretRotationHandler } from '../../../shared/handlers/secret-rotation-handler';
import { sqsBatchHandler } from '../../../shared/handlers/sqs-batch-handler';

const context = {
  functionName: 'kit-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:kit-test',
  memoryLimitInMB: '512',
  awsRequestId: 'req-1',
  logGroupName: 'kit',
  logStreamName: 'kit',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

const record = (messageId: string, body: string, group = 'g1'): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body,
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0', MessageGroupId: group },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:q.fifo',
  awsRegion: 'eu-west-1',
});

describe('sqsBatchHandler', () => {
  const Message = z.strictObject({ n: z.number().check(z.int()) });

  it('sends a malformed message to the DLQ with its reason and acknowledges it; a failed one is reported; the rest are applied', async () => {
    const deadLettered: Array<{ id: string; reason: string }> = [];
    const applied: number[] = [];
    const handler = sqsBatchHandler({
      queue: 'standard',
      schema: Message,
      deadLetters: { send: async (r, reason) => void deadLettered.push({ id: r.messageId, reason }) },
      handle: async ({ n }) => {
        if (n === 13) throw new Error('unlucky');
        applied.push(n);
      },
    });
    const response = await handler(
      { Records: [record('a', '{"n":1}'), record('b', 'not json'), record('c', '{"n":"2"}'), record('d', '{"n":13}'), record('e', '{"n":3}')] },
      context,
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'd' }]);
    expect(applied).toEqual([1, 3]);
    expect(deadLettered).toEqual([
      { id: 'b', reason: 'The message body is not JSON' },
      { id: 'c', reason: 'The message body is malformed: n: invalid_type' },
    ]);
  });

  it('on a FIFO queue a failure holds back only the rest of its group, and a DLQ send that fails fails the record', async () => {
    const applied: string[] = [];
    const handler = sqsBatchHandler({
      queue: 'fifo',
      schema: Message,
      deadLetters: {
        send: async () => {
          throw new Error('DLQ unreachable');
        },
      },
      handle: async ({ n }, r) => {
        if (n === 13) throw new Error('unlucky');
        applied.push(r.messageId);
      },
    });
    const response = await handler(
      {
        Records: [
          record('a1', '{"n":13}', 'a'),
          record('b1', '{"n":1}', 'b'),
          record('a2', '{"n":2}', 'a'),
          record('c1', 'oops', 'c'),
          record('b2', '{"n":3}', 'b'),
        ],
      },
      context,
    );
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['a1', 'a2', 'c1']);
    expect(applied).toEqual(['b1', 'b2']);
  });
});

describe('the other kits check their input', () => {
  it('scheduledHandler accepts an object and refuses anything else', async () => {
    const handler = scheduledHandler(async (input) => Object.keys(input).length, { schema: z.looseObject({ settle: z.optional(z.number()) }) });
    await expect(handler({ 'detail-type': 'Scheduled Event' }, context)).resolves.toBe(1);
    await expect(handler([1, 2], context)).rejects.toThrow('Not a scheduled run');
    await expect(handler({ settle: 'soon' }, context)).rejects.toThrow('settle: invalid_type');
  });

  it('secretRotationHandler refuses an event that is not a rotation step', async () => {
    const steps: string[] = [];
    const handler = secretRotationHandler(async ({ step }) => (steps.push(step), 'done'));
    await expect(handler({ Step: 'createSecret', SecretId: 'arn:secret', ClientRequestToken: 't'.repeat(36) }, context)).resolves.toBeUndefined();
    await expect(handler({ Step: 'dropSecret', SecretId: 'arn:secret', ClientRequestToken: 't'.repeat(36) }, context)).rejects.toThrow('Step');
    expect(steps).toEqual(['createSecret']);
  });

  it('authorizerHandler answers a malformed event as Unauthorized (401), never as a failure (500)', async () => {
    const handler = authorizerHandler(async () => ({ principalId: 'p', policyDocument: { Version: '2012-10-17', Statement: [] } }));
    await expect(handler({ type: 'TOKEN', authorizationToken: 'x' }, context)).rejects.toThrow(/^Unauthorized$/);
    const event = {
      type: 'REQUEST',
      methodArn: 'arn:x',
      resource: '/me',
      httpMethod: 'GET',
      headers: null,
      requestContext: { identity: { sourceIp: '127.0.0.1' } },
    };
    await expect(handler(event, context)).resolves.toMatchObject({ principalId: 'p' });
    // A long path (the fuzz suite's 2,000-character ids) is the route policy's to judge, not a malformed event.
    const long = `/cart/items/${'A'.repeat(5000)}`;
    await expect(
      handler({ ...event, methodArn: `arn:aws:execute-api:eu-west-1:0:api/v1/PUT${long}`, resource: '/cart/items/{sku}' }, context),
    ).resolves.toMatchObject({ principalId: 'p' });
  });

  it('cognitoTriggerHandler refuses an event without the fields the trigger reads', async () => {
    const handler = cognitoTriggerHandler(
      z.looseObject({ triggerSource: z.string(), userPoolId: z.string(), userName: z.string() }).check(z.describe('test trigger')),
      async (e) => e,
    );
    await expect(handler({ triggerSource: 'X', userPoolId: 'p' }, context)).rejects.toThrow('Not a test trigger event: userName: invalid_type');
  });
});
