import { readFileSync } from 'node:fs';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { IamDecision } from '../../local/aws/iam/iam';
import { queueNamed, tableNamed, testEndpoints } from '../support/endpoints';

/**
 * Acting as a function through its credentials from endpoints.json: SyncProviderStock may read the catalog table's
 * PROVIDER#* items (dynamodb:LeadingKeys) and send to the inventory updates queue; anything else is refused
 * with AWS's AccessDeniedException naming its role session, and every decision is in iam-decisions.jsonl.
 */
describe('IAM enforced offline', () => {
  const endpoints = testEndpoints();
  const [functionName, session] = Object.entries(endpoints.functions).find(([name]) => name.includes('SyncProviderStock')) ?? [];
  if (!functionName || !session) throw new Error('The runtime has no SyncProviderStock function credentials in endpoints.json');
  const credentials = { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken };
  const client = { region: endpoints.region, credentials, maxAttempts: 1 };
  const dynamodb = new DynamoDBClient({ endpoint: endpoints.aws.dynamodb, ...client });
  const sqs = new SQSClient({ endpoint: endpoints.aws.sqs, ...client });
  const secrets = new SecretsManagerClient({ endpoint: endpoints.aws.secretsManager, ...client });
  const catalog = tableNamed(endpoints, 'CatalogTable');
  const orders = tableNamed(endpoints, 'OrdersTable');
  const tableArn = (name: string) => `arn:aws:dynamodb:${endpoints.region}:000000000000:table/${name}`;
  const roleName = session.roleArn.split('/').pop() ?? '';
  const principal = `arn:aws:sts::000000000000:assumed-role/${roleName}/${functionName}`;
  afterAll(() => [dynamodb, sqs, secrets].forEach((c) => c.destroy()));

  const refusal = async (call: Promise<unknown>) => {
    const error = (await call.then(
      () => undefined,
      (e: unknown) => e,
    )) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
    if (!error) throw new Error('The call was allowed');
    return error;
  };
  const decisions = (): IamDecision[] =>
    readFileSync(endpoints.iam.decisionLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as IamDecision);

  it('runs every function as its own role session and enforces IAM', () => {
    expect(endpoints.iam.enforced).toBe(true);
    expect(session.roleArn).toMatch(/^arn:aws:iam::000000000000:role\//);
    expect(endpoints.aws.credentials.accessKeyId).not.toBe(session.accessKeyId);
    expect(new Set(Object.values(endpoints.functions).map((f) => f.accessKeyId)).size).toBe(Object.keys(endpoints.functions).length);
  });

  it('allows what the role grants: a read of a PROVIDER# item, a query of a PROVIDER# partition, the queue it sends to', async () => {
    await expect(dynamodb.send(new GetItemCommand({ TableName: catalog, Key: { pk: { S: 'PROVIDER#iam-test' }, sk: { S: 'X' } } }))).resolves.toBeDefined();
    await expect(
      dynamodb.send(
        new QueryCommand({
          TableName: catalog,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ExpressionAttributeValues: { ':pk': { S: 'PROVIDER#iam-test' } },
        }),
      ),
    ).resolves.toBeDefined();
    // Its providers' HMAC secrets, with the implied kms:Decrypt through Secrets Manager on the stage key.
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: 'stockade/dev/inventory/acme-warehouse/hmac' }))).resolves.toBeDefined();
    // Its one grant on the queue is SendMessage: IAM lets a send through, and the FIFO queue itself then refuses one
    // without a MessageGroupId, so nothing is enqueued. Reading the queue's attributes is not granted.
    const queue = queueNamed(endpoints, 'InventoryUpdatesQueue');
    const sent = await refusal(sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: '{}' })));
    expect(sent.name).not.toBe('AccessDeniedException');
    const attributes = await refusal(sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue, AttributeNames: ['QueueArn'] })));
    expect(attributes.name).toBe('AccessDeniedException');
  });

  it('refuses another key prefix under dynamodb:LeadingKeys with AWS error', async () => {
    const error = await refusal(dynamodb.send(new GetItemCommand({ TableName: catalog, Key: { pk: { S: 'PRODUCT#iam-test' }, sk: { S: 'META' } } })));
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      `User: ${principal} is not authorized to perform: dynamodb:GetItem on resource: ${tableArn(catalog)} because no identity-based policy allows the dynamodb:GetItem action`,
    );
  });

  it('refuses another table and another action', async () => {
    const otherTable = await refusal(dynamodb.send(new GetItemCommand({ TableName: orders, Key: { pk: { S: 'PROVIDER#x' }, sk: { S: 'X' } } })));
    expect(otherTable.name).toBe('AccessDeniedException');
    expect(otherTable.message).toContain(`dynamodb:GetItem on resource: ${tableArn(orders)}`);
    const otherAction = await refusal(dynamodb.send(new DeleteItemCommand({ TableName: catalog, Key: { pk: { S: 'PROVIDER#iam-test' }, sk: { S: 'X' } } })));
    expect(otherAction.name).toBe('AccessDeniedException');
    expect(otherAction.message).toBe(
      `User: ${principal} is not authorized to perform: dynamodb:DeleteItem on resource: ${tableArn(catalog)} because no identity-based policy allows the dynamodb:DeleteItem action`,
    );
  });

  it('refuses queues and secrets outside its grants', async () => {
    const queue = queueNamed(endpoints, 'PaymentEventsQueue');
    const send = await refusal(sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: '{}' })));
    expect(send.name).toBe('AccessDeniedException');
    expect(send.message).toContain(
      `is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:${endpoints.region}:000000000000:${queue.split('/').pop()}`,
    );
    const secret = await refusal(secrets.send(new GetSecretValueCommand({ SecretId: 'stockade/dev/stripe-api-key' })));
    expect(secret.name).toBe('AccessDeniedException');
    expect(secret.message).toContain('is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:');
  });

  it('refuses a key it does not know', async () => {
    const stranger = new DynamoDBClient({
      endpoint: endpoints.aws.dynamodb,
      region: endpoints.region,
      credentials: { accessKeyId: 'ASIAUNKNOWN000000000', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const error = await refusal(stranger.send(new GetItemCommand({ TableName: catalog, Key: { pk: { S: 'PROVIDER#x' }, sk: { S: 'X' } } })));
    stranger.destroy();
    expect(error.name).toBe('UnrecognizedClientException');
  });

  it('records each decision with the statement that decided', async () => {
    await new Promise((r) => setTimeout(r, 200));
    const mine = decisions().filter((d) => d.function === functionName);
    const denied = mine.find((d) => d.decision === 'deny' && d.action === 'dynamodb:GetItem' && d.resource === tableArn(orders));
    expect(denied).toMatchObject({ principal, result: 'ImplicitlyDenied' });
    const allowed = mine.find(
      (d) => d.decision === 'allow' && d.action === 'dynamodb:GetItem' && d.resource === tableArn(catalog) && JSON.stringify(d.context).includes('iam-test'),
    );
    expect(allowed?.statement?.policy).toEqual(expect.any(String));
    expect(allowed?.context).toEqual({ 'dynamodb:LeadingKeys': ['PROVIDER#iam-test'] });
    expect(mine.find((d) => d.action === 'kms:Decrypt' && d.context?.['kms:ViaService'] === 'secretsmanager.us-east-1.amazonaws.com')?.decision).toBe('allow');
  });
});
