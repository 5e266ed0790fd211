/**
 * What IAM authorizes for one AWS API request: the action(s) and resource ARN(s) AWS checks, with the request's
 * condition keys. Pure functions of the request, so the mapping is unit-tested on its own (test/unit/local/).
 */

import { queryKey } from '../dynamodb/request-items';

/** One authorization AWS makes for a request; a request may need several (a transaction, implied KMS calls). */
export interface IamCheck {
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string | string[]>;
}

/** The services whose requests the local runtime authorizes. */
export type IamServiceName = 'dynamodb' | 'sqs' | 'secretsmanager' | 'states' | 'cognito-idp' | 'lambda' | 'cloudwatch' | 'ssm';

/** Where the resources live, and what the mapping needs from the services to name them. */
export interface MappingScope {
  readonly region: string;
  readonly account: string;
  /** The partition key attribute of a table, or of one of its indexes. */
  readonly partitionKey?: (table: string, index?: string) => string | undefined;
  /** The state machine a task token was issued by (SendTask* is authorized on it). */
  readonly taskTokenStateMachine?: (token: string) => string | undefined;
}

/** The request as it reached the local endpoint. */
export interface ApiRequest {
  /** X-Amz-Target for the JSON protocols. */
  readonly target?: string;
  readonly path?: string;
  readonly body: Record<string, unknown>;
}

/** The operation name of a JSON-protocol target: "DynamoDB_20120810.PutItem" -> "PutItem". */
export function operationOf(target: string | undefined): string {
  return (target ?? '').split('.').pop() ?? '';
}

type AttributeValue = { S?: string; N?: string; B?: string };
type Key = Record<string, AttributeValue>;

function keyValue(value: AttributeValue | undefined): string | undefined {
  if (!value) return undefined;
  return value.S ?? value.N ?? value.B;
}

/**
 * DynamoDB (JSON 1.0): `dynamodb:<Op>` on the table ARN, or the index ARN for a Query/Scan with IndexName.
 * TransactWriteItems/TransactGetItems have no IAM action of their own: AWS authorizes each item's action (PutItem,
 * UpdateItem, DeleteItem, ConditionCheckItem, GetItem) on its table, with dynamodb:EnclosingOperation. BatchGetItem
 * and BatchWriteItem are their own actions, checked on each table they touch. dynamodb:LeadingKeys holds the partition
 * key values of the items touched (a Query's from its key condition; a Scan has none).
 */
export function dynamoDbChecks(request: ApiRequest, scope: MappingScope): IamCheck[] {
  const op = operationOf(request.target);
  const body = request.body;
  const tableArn = (table: string) => `arn:aws:dynamodb:${scope.region}:${scope.account}:table/${table}`;
  const leadingKeys = (table: string, keys: Array<Key | undefined>, index?: string): string[] => {
    const attribute = scope.partitionKey?.(table, index);
    if (!attribute) return [];
    return [...new Set(keys.map((k) => keyValue(k?.[attribute])).filter((v): v is string => v !== undefined))];
  };
  const withKeys = (keys: string[]): Record<string, string | string[]> => (keys.length ? { 'dynamodb:LeadingKeys': keys } : {});
  const table = typeof body.TableName === 'string' ? body.TableName : undefined;
  switch (op) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem':
      if (!table) return [];
      return [{ action: `dynamodb:${op}`, resource: tableArn(table), context: withKeys(leadingKeys(table, [body.Key as Key])) }];
    case 'PutItem':
      if (!table) return [];
      return [{ action: 'dynamodb:PutItem', resource: tableArn(table), context: withKeys(leadingKeys(table, [body.Item as Key])) }];
    case 'Query':
    case 'Scan': {
      if (!table) return [];
      const index = typeof body.IndexName === 'string' ? body.IndexName : undefined;
      const resource = index ? `${tableArn(table)}/index/${index}` : tableArn(table);
      const keys = op === 'Query' ? leadingKeys(table, [queryKey(body, scope.partitionKey?.(table, index))], index) : [];
      return [{ action: `dynamodb:${op}`, resource, context: withKeys(keys) }];
    }
    case 'BatchGetItem':
    case 'BatchWriteItem': {
      const requestItems = (body.RequestItems ?? {}) as Record<string, unknown>;
      return Object.entries(requestItems).map(([name, entry]) => {
        const keys =
          op === 'BatchGetItem'
            ? (((entry as { Keys?: Key[] }).Keys ?? []) as Key[])
            : ((entry as Array<{ PutRequest?: { Item?: Key }; DeleteRequest?: { Key?: Key } }>) ?? []).map((w) => w.PutRequest?.Item ?? w.DeleteRequest?.Key);
        return { action: `dynamodb:${op}`, resource: tableArn(name), context: withKeys(leadingKeys(name, keys)) };
      });
    }
    case 'TransactWriteItems':
    case 'TransactGetItems': {
      const groups = new Map<string, { action: string; table: string; keys: Array<Key | undefined> }>();
      for (const item of (body.TransactItems ?? []) as Array<Record<string, { TableName?: string; Key?: Key; Item?: Key }>>) {
        for (const [kind, spec] of Object.entries(item)) {
          const action = TRANSACT_ACTIONS[kind];
          if (!action || !spec?.TableName) continue;
          const id = `${action} ${spec.TableName}`;
          const group = groups.get(id) ?? { action, table: spec.TableName, keys: [] };
          group.keys.push(kind === 'Put' ? spec.Item : spec.Key);
          groups.set(id, group);
        }
      }
      return [...groups.values()].map((g) => ({
        action: `dynamodb:${g.action}`,
        resource: tableArn(g.table),
        context: { ...withKeys(leadingKeys(g.table, g.keys)), 'dynamodb:EnclosingOperation': op },
      }));
    }
    case 'ListTables':
      return [{ action: 'dynamodb:ListTables', resource: '*', context: {} }];
    default:
      return table ? [{ action: `dynamodb:${op}`, resource: tableArn(table), context: {} }] : [];
  }
}

const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

/** SQS batch operations are authorized as their single-message actions. */
const SQS_ACTIONS: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/** SQS (JSON protocol): `sqs:<Op>` on the queue ARN named by QueueUrl (or QueueName for GetQueueUrl/CreateQueue). */
export function sqsChecks(request: ApiRequest, scope: MappingScope): IamCheck[] {
  const op = operationOf(request.target);
  const body = request.body;
  const name =
    typeof body.QueueUrl === 'string' ? body.QueueUrl.replace(/\/+$/, '').split('/').pop() : typeof body.QueueName === 'string' ? body.QueueName : undefined;
  const action = `sqs:${SQS_ACTIONS[op] ?? op}`;
  if (op === 'ListQueues') return [{ action, resource: '*', context: {} }];
  return name ? [{ action, resource: sqsQueueArn(name, scope), context: {} }] : [];
}

export function sqsQueueArn(name: string, scope: Pick<MappingScope, 'region' | 'account'>): string {
  return `arn:aws:sqs:${scope.region}:${scope.account}:${name}`;
}

/** Secrets Manager: `secretsmanager:<Op>` on the secret's ARN (SecretId may be a name or an ARN). */
export function secretsManagerChecks(request: ApiRequest, scope: MappingScope & { secretArn?: (id: string) => string | undefined }): IamCheck[] {
  const op = operationOf(request.target);
  const id = typeof request.body.SecretId === 'string' ? request.body.SecretId : typeof request.body.Name === 'string' ? request.body.Name : undefined;
  if (op === 'ListSecrets' || op === 'GetRandomPassword' || op === 'BatchGetSecretValue' || !id)
    return [{ action: `secretsmanager:${op}`, resource: '*', context: {} }];
  const arn = scope.secretArn?.(id) ?? (id.startsWith('arn:') ? id : `arn:aws:secretsmanager:${scope.region}:${scope.account}:secret:${id}`);
  return [{ action: `secretsmanager:${op}`, resource: arn, context: {} }];
}

/**
 * Step Functions: StartExecution and DescribeStateMachine on the state machine, execution operations on the
 * execution. SendTaskSuccess/Failure/Heartbeat are listed without resource types in the Service Authorization
 * Reference, yet AWS authorizes them against the state machine whose task issued the token (its AccessDenied names
 * that state machine, and a grant on it works for Lambda callbacks): so do we. A token no execution issued is left
 * to the service, which refuses it.
 */
export function stepFunctionsChecks(request: ApiRequest, scope: MappingScope): IamCheck[] {
  const op = operationOf(request.target);
  const body = request.body;
  const action = `states:${op}`;
  if (op.startsWith('SendTask')) {
    const machine = typeof body.taskToken === 'string' ? scope.taskTokenStateMachine?.(body.taskToken) : undefined;
    // A token no execution issued names no state machine: the service answers InvalidToken / TaskDoesNotExist.
    return machine ? [{ action, resource: machine, context: {} }] : [];
  }
  if (typeof body.executionArn === 'string') return [{ action, resource: body.executionArn, context: {} }];
  if (typeof body.stateMachineArn === 'string') return [{ action, resource: body.stateMachineArn, context: {} }];
  return [{ action, resource: '*', context: {} }];
}

/**
 * Cognito user pools: `cognito-idp:<Op>` on the pool named by UserPoolId. Only the administrative operations, which
 * name a pool, are IAM-authorized; the public ones (InitiateAuth, SignUp, GetUser...) name a client or a token and
 * need no IAM permission, in AWS as here.
 */
export function cognitoChecks(request: ApiRequest, scope: MappingScope): IamCheck[] {
  const op = operationOf(request.target);
  const pool = typeof request.body.UserPoolId === 'string' ? request.body.UserPoolId : undefined;
  if (!pool) return op === 'ListUserPools' ? [{ action: 'cognito-idp:ListUserPools', resource: '*', context: {} }] : [];
  return [{ action: `cognito-idp:${op}`, resource: `arn:aws:cognito-idp:${scope.region}:${scope.account}:userpool/${pool}`, context: {} }];
}

/** Lambda Invoke (REST): `lambda:InvokeFunction` on the function named in the path (a name or an ARN). */
export function lambdaChecks(request: ApiRequest, scope: MappingScope): IamCheck[] {
  const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(request.path ?? '');
  if (!match?.[1]) return [];
  const name = decodeURIComponent(match[1]);
  const arn = name.startsWith('arn:') ? name : `arn:aws:lambda:${scope.region}:${scope.account}:function:${name}`;
  return [{ action: 'lambda:InvokeFunction', resource: arn, context: {} }];
}

/**
 * CloudWatch (JSON 1.0, GraniteServiceVersion20100801): `cloudwatch:<Op>` on the alarm an operation names
 * (SetAlarmState, DescribeAlarmHistory with an AlarmName), else on `*` (DescribeAlarms, GetMetricData, ListMetrics and
 * PutMetricData take no resource; PutMetricData's cloudwatch:namespace condition key is set).
 */
export function cloudWatchChecks(request: ApiRequest, scope: MappingScope): IamCheck[] {
  const op = operationOf(request.target);
  const alarm = typeof request.body.AlarmName === 'string' ? request.body.AlarmName : undefined;
  if (alarm && (op === 'SetAlarmState' || op === 'DescribeAlarmHistory'))
    return [{ action: `cloudwatch:${op}`, resource: `arn:aws:cloudwatch:${scope.region}:${scope.account}:alarm:${alarm}`, context: {} }];
  const namespace: Record<string, string> =
    op === 'PutMetricData' && typeof request.body.Namespace === 'string' ? { 'cloudwatch:namespace': request.body.Namespace } : {};
  return [{ action: `cloudwatch:${op}`, resource: '*', context: namespace }];
}

/**
 * SSM Parameter Store (JSON 1.1, AmazonSSM.*): `ssm:<Op>` on each parameter a request names (Name, or each of
 * GetParameters' Names; a name or an ARN), GetParametersByPath on the path's ARN, DescribeParameters on `*`.
 */
export function ssmChecks(request: ApiRequest, scope: MappingScope): IamCheck[] {
  const op = operationOf(request.target);
  const body = request.body;
  const arn = (name: string) =>
    name.startsWith('arn:') ? name : `arn:aws:ssm:${scope.region}:${scope.account}:parameter${name.startsWith('/') ? '' : '/'}${name.split(':')[0]}`;
  if (op === 'GetParameters')
    return (Array.isArray(body.Names) ? body.Names.map(String) : []).map((n) => ({ action: 'ssm:GetParameters', resource: arn(n), context: {} }));
  if (op === 'GetParametersByPath' && typeof body.Path === 'string')
    return [{ action: 'ssm:GetParametersByPath', resource: arn(body.Path.replace(/\/+$/, '') || '/'), context: {} }];
  if (typeof body.Name === 'string') return [{ action: `ssm:${op}`, resource: arn(body.Name), context: {} }];
  return [{ action: `ssm:${op}`, resource: '*', context: {} }];
}

export function checksFor(service: IamServiceName, request: ApiRequest, scope: MappingScope & { secretArn?: (id: string) => string | undefined }): IamCheck[] {
  switch (service) {
    case 'dynamodb':
      return dynamoDbChecks(request, scope);
    case 'sqs':
      return sqsChecks(request, scope);
    case 'secretsmanager':
      return secretsManagerChecks(request, scope);
    case 'states':
      return stepFunctionsChecks(request, scope);
    case 'cognito-idp':
      return cognitoChecks(request, scope);
    case 'lambda':
      return lambdaChecks(request, scope);
    case 'cloudwatch':
      return cloudWatchChecks(request, scope);
    case 'ssm':
      return ssmChecks(request, scope);
  }
}

/** The access key id of a SigV4 Authorization header (`Credential=<AKID>/<date>/<region>/<service>/aws4_request`). */
export function accessKeyIdOf(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
}
