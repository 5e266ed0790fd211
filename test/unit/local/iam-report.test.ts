import type { IamDecision, PolicySnapshot } from '../../../local/aws/iam/iam';
import { formatIamReport, iamReport, wildcardMatch } from '../../../local/aws/iam/iam-report';

const table = 'arn:aws:dynamodb:us-east-1:000000000000:table/Catalog';
const snapshot: PolicySnapshot = {
  functions: {
    Fn: {
      roleArn: 'arn:aws:iam::000000000000:role/FnRole',
      policies: [
        {
          name: 'FnPolicy',
          policy: {
            Statement: [
              { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: [table, `${table}/index/*`] },
              { Effect: 'Allow', Action: ['xray:PutTraceSegments'], Resource: '*' },
              {
                Effect: 'Allow',
                Action: ['kms:Decrypt'],
                Resource: 'arn:aws:kms:us-east-1:000000000000:key/k',
                Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com' } },
              },
              {
                Effect: 'Allow',
                Action: ['kms:GenerateDataKey'],
                Resource: 'arn:aws:kms:us-east-1:000000000000:key/k',
                Condition: { StringEquals: { 'kms:ViaService': 'sqs.us-east-1.amazonaws.com' } },
              },
              { Effect: 'Deny', Action: 'dynamodb:*', Resource: '*' },
            ],
          },
        },
      ],
    },
  },
};
const decision = (action: string, resource: string, allowed = true): IamDecision => ({
  time: '',
  function: 'Fn',
  principal: '',
  action,
  resource,
  decision: allowed ? 'allow' : 'deny',
  result: allowed ? 'Allowed' : 'ImplicitlyDenied',
});

describe('npm run iam:report', () => {
  it('matches IAM wildcards', () => {
    expect(wildcardMatch(`${table}/index/*`, `${table}/index/byStatus`)).toBe(true);
    expect(wildcardMatch(`${table}/index/*`, table)).toBe(false);
    expect(wildcardMatch('dynamodb:Get*', 'dynamodb:getitem', true)).toBe(true);
    expect(wildcardMatch('a?c', 'abc')).toBe(true);
  });

  it('lists grants no allowed call used, wildcard grants, and leaves unplayed services aside', () => {
    const [report] = iamReport(snapshot, [decision('dynamodb:GetItem', table), decision('dynamodb:PutItem', table, false)]);
    expect(report?.used.map((g) => `${g.action} ${g.resource}`)).toEqual([`dynamodb:GetItem ${table}`]);
    expect(report?.unused.map((g) => `${g.action} ${g.resource}`)).toEqual([
      `dynamodb:GetItem ${table}/index/*`,
      `dynamodb:PutItem ${table}`,
      `dynamodb:PutItem ${table}/index/*`,
      // SQS's use of a key is played (its implied KMS checks); DynamoDB's is not.
      'kms:GenerateDataKey arn:aws:kms:us-east-1:000000000000:key/k',
    ]);
    expect(report?.notPlayed.map((g) => g.action)).toEqual(['xray:PutTraceSegments', 'kms:Decrypt']);
    expect(report?.wildcards.map((g) => g.resource)).toEqual([`${table}/index/*`, `${table}/index/*`, '*']);
    expect(report?.denied).toBe(1);
  });

  it('lists a grant the stack keeps with a reason apart from the unexplained ones, and flags a reason for a grant the role lacks', () => {
    const fn = snapshot.functions.Fn!;
    const withKeeps: PolicySnapshot = {
      functions: {
        Fn: {
          ...fn,
          kept: [
            { actions: ['dynamodb:PutItem'], resources: [table], reason: 'written only when the provider is down' },
            { actions: ['sqs:SendMessage'], resources: ['arn:aws:sqs:us-east-1:000000000000:gone'], reason: 'the queue this once fed' },
          ],
        },
      },
    };
    const [report] = iamReport(withKeeps, [decision('dynamodb:GetItem', table)]);
    expect(report?.unused.map((g) => `${g.action} ${g.resource}`)).toEqual([
      `dynamodb:GetItem ${table}/index/*`,
      `dynamodb:PutItem ${table}/index/*`,
      'kms:GenerateDataKey arn:aws:kms:us-east-1:000000000000:key/k',
    ]);
    expect(report?.kept.map((g) => `${g.action} ${g.resource}: ${g.reason}`)).toEqual([`dynamodb:PutItem ${table}: written only when the provider is down`]);
    expect(report?.staleKeeps.map((k) => k.actions)).toEqual([['sqs:SendMessage']]);
    const text = formatIamReport(iamReport(withKeeps, [decision('dynamodb:GetItem', table)]));
    expect(text).toContain('3 unused grants, 1 kept unused with a reason, 1 stale reasons');
  });
});
