import type { CloudAssembly, TemplateResource } from '../../local/runtime/assembly';
import { IntrinsicResolver, LOCAL_ACCOUNT, LOCAL_REGION, type PhysicalLookup, type ResolvedResource } from '../../local/runtime/intrinsics';
import { localCredentials } from '../../local/aws/credentials';
import { generatedName } from '../../local/aws/service';
import { FUNCTION_RUNTIME } from '../../lib/constructs/stockade-function';

/**
 * Physical names shaped like the ones CloudFormation and the services would give (queue URLs, secret ARNs, a
 * well-formed user pool id), so module-scope code that parses or validates its configuration at cold start (ARN
 * parsing, aws-jwt-verify's user pool id check) does the same work it does in Lambda. Other types resolve to the
 * resolver's `local-<LogicalId>` placeholder.
 */
const deployedLikeNames: PhysicalLookup = (resource): ResolvedResource | undefined => {
  const nameOr = (property: string, maxLength: number, suffix = ''): string => {
    const given = resource.properties[property];
    return typeof given === 'string' ? given : generatedName(resource, maxLength, suffix);
  };
  const arn = (service: string, rest: string) => `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${rest}`;
  switch (resource.type) {
    case 'AWS::DynamoDB::Table': {
      const name = nameOr('TableName', 255);
      return { ref: name, attributes: { Arn: arn('dynamodb', `table/${name}`), StreamArn: arn('dynamodb', `table/${name}/stream/bench`) } };
    }
    case 'AWS::SQS::Queue': {
      const fifo = resource.properties.FifoQueue === true || resource.properties.FifoQueue === 'true';
      const name = nameOr('QueueName', 80, fifo ? '.fifo' : '');
      const url = `https://sqs.${LOCAL_REGION}.amazonaws.com/${LOCAL_ACCOUNT}/${name}`;
      return { ref: url, attributes: { Arn: arn('sqs', name), QueueName: name, QueueUrl: url } };
    }
    case 'AWS::SecretsManager::Secret': {
      const secretArn = arn('secretsmanager', `secret:${nameOr('Name', 256)}-AbCdEf`);
      return { ref: secretArn, attributes: { Id: secretArn } };
    }
    case 'AWS::Lambda::Function': {
      const name = nameOr('FunctionName', 64);
      return { ref: name, attributes: { Arn: arn('lambda', `function:${name}`) } };
    }
    case 'AWS::StepFunctions::StateMachine': {
      const name = nameOr('StateMachineName', 80);
      return { ref: arn('states', `stateMachine:${name}`), attributes: { Arn: arn('states', `stateMachine:${name}`), Name: name } };
    }
    case 'AWS::SNS::Topic': {
      const name = nameOr('TopicName', 256);
      return { ref: arn('sns', name), attributes: { TopicArn: arn('sns', name), TopicName: name } };
    }
    case 'AWS::Cognito::UserPool': {
      const id = `${LOCAL_REGION}_BenchPool`;
      return { ref: id, attributes: { Arn: arn('cognito-idp', `userpool/${id}`), ProviderName: `cognito-idp.${LOCAL_REGION}.amazonaws.com/${id}` } };
    }
    case 'AWS::KMS::Key': {
      const id = '00000000-0000-4000-8000-00000000b001';
      return { ref: id, attributes: { Arn: arn('kms', `key/${id}`), KeyId: id } };
    }
    default:
      return undefined;
  }
};

export function benchResolver(assembly: CloudAssembly): IntrinsicResolver {
  return new IntrinsicResolver(assembly, deployedLikeNames);
}

/** What the Lambda service itself sets in every execution environment (values as in local/aws/lambda/lambda-service.ts). */
export function lambdaRuntimeEnvironment(options: { functionName: string; memoryMb: number; handler: string; codeDirectory: string }): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_EXECUTION_ENV: `AWS_Lambda_${FUNCTION_RUNTIME.name}`,
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.functionName}`,
    LAMBDA_TASK_ROOT: options.codeDirectory,
    _HANDLER: options.handler,
    TZ: 'UTC',
    LANG: 'en_US.UTF-8',
    // Dummy credentials: clients construct without looking further (no IMDS, no profile files).
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // No X-Ray daemon here; deployed functions trace actively, which this benchmark does not measure.
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_DEV: 'false',
  };
}

export interface FunctionDefinition {
  readonly functionName: string;
  readonly handler: string;
  readonly memoryMb: number;
  /** Every variable of the function's process: the template's, resolved, plus the Lambda runtime's own. */
  readonly environment: Record<string, string>;
  /** Template variables no lookup could resolve (given a placeholder value). */
  readonly unresolved: readonly string[];
}

/** A function of the template as Lambda would start it: handler, memory and environment. */
export function functionDefinition(resource: TemplateResource, codeDirectory: string, resolver: IntrinsicResolver): FunctionDefinition {
  const p = resource.properties;
  const functionName = typeof p.FunctionName === 'string' ? p.FunctionName : generatedName(resource, 64);
  const handler = typeof p.Handler === 'string' ? p.Handler : 'index.handler';
  const memoryMb = typeof p.MemorySize === 'number' ? p.MemorySize : 128;
  const variables = ((p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
  const resolved: Record<string, string> = {};
  const unresolved: string[] = [];
  for (const [name, value] of Object.entries(variables)) {
    try {
      resolved[name] = String(resolver.resolve(value, resource.stackName));
    } catch {
      resolved[name] = `unresolved-${name}`;
      unresolved.push(name);
    }
  }
  const logging = resolver.resolve(p.LoggingConfig ?? {}, resource.stackName) as { LogFormat?: string; ApplicationLogLevel?: string; LogGroup?: string };
  const environment: Record<string, string> = {
    ...resolved,
    ...lambdaRuntimeEnvironment({ functionName, memoryMb, handler, codeDirectory }),
    ...(logging.LogGroup ? { AWS_LAMBDA_LOG_GROUP_NAME: logging.LogGroup } : {}),
    ...(logging.LogFormat ? { AWS_LAMBDA_LOG_FORMAT: logging.LogFormat } : {}),
    ...(logging.ApplicationLogLevel ? { AWS_LAMBDA_LOG_LEVEL: logging.ApplicationLogLevel } : {}),
  };
  return { functionName, handler, memoryMb, environment, unresolved };
}
