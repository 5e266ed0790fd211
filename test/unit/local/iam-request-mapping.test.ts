import {
  accessKeyIdOf,
  cognitoChecks,
  dynamoDbChecks,
  lambdaChecks,
  secretsManagerChecks,
  sqsChecks,
  stepFunctionsChecks,
} from '../../../local/aws/iam/request-mapping';

const scope = {
  region: 'us-east-1',
  account: '000000000000',
  partitionKey: (_table: string, index?: string) => (index ? 'gsi1pk' : 'pk'),
  taskTokenStateMachine: (token: string) => (token === 'tok' ? 'arn:aws:states:us-east-1:000000000000:stateMachine:saga' : undefined),
};
const table = 'arn:aws:dynamodb:us-east-1:000000000000:table/Catalog';
const ddb = (op: string, body: Record<string, unknown>) => dynamoDbChecks({ target: `DynamoDB_20120810.${op}`, body }, scope);

describe('IAM request mapping', () => {
  it('reads the access key id of a SigV4 Authorization header', () => {
    expect(accessKeyIdOf('AWS4-HMAC-SHA256 Credential=ASIAABC/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x')).toBe('ASIAABC');
    expect(accessKeyIdOf(undefined)).toBeUndefined();
  });

  it('maps DynamoDB item operations to their action on the table, with the partition key as LeadingKeys', () => {
    expect(ddb('GetItem', { TableName: 'Catalog', Key: { pk: { S: 'PRODUCT#1' }, sk: { S: 'META' } } })).toEqual([
      { action: 'dynamodb:GetItem', resource: table, context: { 'dynamodb:LeadingKeys': ['PRODUCT#1'] } },
    ]);
    expect(ddb('PutItem', { TableName: 'Catalog', Item: { pk: { S: 'QUARANTINE#1' }, sk: { S: 'x' } } })[0]?.context).toEqual({
      'dynamodb:LeadingKeys': ['QUARANTINE#1'],
    });
    expect(ddb('DescribeTable', { TableName: 'Catalog' })).toEqual([{ action: 'dynamodb:DescribeTable', resource: table, context: {} }]);
  });

  it('maps a Query on an index to the index ARN and the index partition key from the key condition', () => {
    expect(
      ddb('Query', {
        TableName: 'Catalog',
        IndexName: 'byStatus',
        KeyConditionExpression: '#k = :v AND begins_with(#s, :p)',
        ExpressionAttributeNames: { '#k': 'gsi1pk', '#s': 'gsi1sk' },
        ExpressionAttributeValues: { ':v': { S: 'STATUS#active' }, ':p': { S: 'a' } },
      }),
    ).toEqual([{ action: 'dynamodb:Query', resource: `${table}/index/byStatus`, context: { 'dynamodb:LeadingKeys': ['STATUS#active'] } }]);
    expect(ddb('Scan', { TableName: 'Catalog' })).toEqual([{ action: 'dynamodb:Scan', resource: table, context: {} }]);
  });

  it('maps a transaction to the per-item actions on each table, and batches to their own actions', () => {
    const checks = ddb('TransactWriteItems', {
      TransactItems: [
        { Put: { TableName: 'Orders', Item: { pk: { S: 'ORDER#1' } } } },
        { Update: { TableName: 'Catalog', Key: { pk: { S: 'PRODUCT#1' } } } },
        { Update: { TableName: 'Catalog', Key: { pk: { S: 'PRODUCT#2' } } } },
        { ConditionCheck: { TableName: 'Catalog', Key: { pk: { S: 'PRODUCT#1' } } } },
      ],
    });
    expect(checks.map((c) => `${c.action} ${c.resource.split('/').pop()} ${JSON.stringify(c.context['dynamodb:LeadingKeys'])}`)).toEqual([
      'dynamodb:PutItem Orders ["ORDER#1"]',
      'dynamodb:UpdateItem Catalog ["PRODUCT#1","PRODUCT#2"]',
      'dynamodb:ConditionCheckItem Catalog ["PRODUCT#1"]',
    ]);
    expect(checks[0]?.context['dynamodb:EnclosingOperation']).toBe('TransactWriteItems');
    expect(
      ddb('BatchWriteItem', { RequestItems: { Catalog: [{ PutRequest: { Item: { pk: { S: 'A' } } } }, { DeleteRequest: { Key: { pk: { S: 'B' } } } }] } }),
    ).toEqual([{ action: 'dynamodb:BatchWriteItem', resource: table, context: { 'dynamodb:LeadingKeys': ['A', 'B'] } }]);
  });

  it('maps SQS operations to the queue ARN of their URL, batches to the single-message action', () => {
    const body = { QueueUrl: 'http://127.0.0.1:9324/000000000000/orders.fifo' };
    expect(sqsChecks({ target: 'AmazonSQS.SendMessageBatch', body }, scope)).toEqual([
      { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:000000000000:orders.fifo', context: {} },
    ]);
    expect(sqsChecks({ target: 'AmazonSQS.GetQueueUrl', body: { QueueName: 'q' } }, scope)[0]?.resource).toBe('arn:aws:sqs:us-east-1:000000000000:q');
  });

  it('maps Secrets Manager, Step Functions, Cognito and Lambda requests', () => {
    const secret = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:s-AbCdEf';
    expect(secretsManagerChecks({ target: 'secretsmanager.GetSecretValue', body: { SecretId: 's' } }, { ...scope, secretArn: () => secret })).toEqual([
      { action: 'secretsmanager:GetSecretValue', resource: secret, context: {} },
    ]);
    expect(stepFunctionsChecks({ target: 'AWSStepFunctions.SendTaskSuccess', body: { taskToken: 'tok' } }, scope)[0]?.resource).toBe(
      'arn:aws:states:us-east-1:000000000000:stateMachine:saga',
    );
    expect(stepFunctionsChecks({ target: 'AWSStepFunctions.SendTaskFailure', body: { taskToken: 'forged' } }, scope)).toEqual([]);
    expect(stepFunctionsChecks({ target: 'AWSStepFunctions.StartExecution', body: { stateMachineArn: 'arn:sm' } }, scope)[0]).toMatchObject({
      action: 'states:StartExecution',
      resource: 'arn:sm',
    });
    expect(cognitoChecks({ target: 'AWSCognitoIdentityProviderService.AdminGetUser', body: { UserPoolId: 'us-east-1_abc' } }, scope)).toEqual([
      { action: 'cognito-idp:AdminGetUser', resource: 'arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc', context: {} },
    ]);
    expect(cognitoChecks({ target: 'AWSCognitoIdentityProviderService.InitiateAuth', body: { ClientId: 'c' } }, scope)).toEqual([]);
    expect(lambdaChecks({ path: '/2015-03-31/functions/fn/invocations', body: {} }, scope)).toEqual([
      { action: 'lambda:InvokeFunction', resource: 'arn:aws:lambda:us-east-1:000000000000:function:fn', context: {} },
    ]);
  });
});
