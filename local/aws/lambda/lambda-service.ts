import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { CloudAssembly, TemplateResource } from '../../runtime/assembly';
import { LOCAL_ACCOUNT, LOCAL_REGION, type IntrinsicResolver, type ResolvedResource } from '../../runtime/intrinsics';
import { localCredentials } from '../credentials';
import type { FunctionCredentials } from '../iam/iam';
import { generatedName, type LocalService } from '../service';
import { LocalFunction } from './local-function';

export interface LambdaServiceOptions {
  readonly assembly: CloudAssembly;
  /** Directory for one log file per function. */
  readonly logDirectory: string;
  /** Environment pointing SDK clients at the local services; filled in before provisioning. */
  readonly sdkEnvironment: () => Record<string, string>;
  readonly echoLogs?: boolean;
  /**
   * The credentials of a function's role session (IamService#credentialsFor), given to its environment as Lambda
   * does. @default the administrator's localCredentials
   */
  readonly credentials?: (fn: { logicalId: string; functionName: string; roleArn: string }) => FunctionCredentials;
}

/** Every AWS::Lambda::Function of the template, runnable from its bundled asset with its resolved environment. */
export class LambdaService implements LocalService {
  readonly name = 'Lambda';
  readonly resourceTypes = ['AWS::Lambda::Function'] as const;
  private readonly functions = new Map<string, LocalFunction>();
  private readonly sessions = new Map<string, FunctionCredentials & { roleArn: string }>();

  constructor(private readonly options: LambdaServiceOptions) {}

  async start(): Promise<void> {
    mkdirSync(this.options.logDirectory, { recursive: true });
  }

  physical(resource: TemplateResource): ResolvedResource {
    const name = typeof resource.properties.FunctionName === 'string' ? resource.properties.FunctionName : generatedName(resource, 64);
    return { ref: name, attributes: { Arn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}` } };
  }

  async provision(resources: readonly TemplateResource[], resolver: IntrinsicResolver): Promise<void> {
    for (const resource of resources) {
      const p = resolver.resolve(resource.properties, resource.stackName) as {
        Handler?: string;
        Role?: string;
        Timeout?: number;
        MemorySize?: number;
        ReservedConcurrentExecutions?: number;
        Environment?: { Variables?: Record<string, unknown> };
        LoggingConfig?: { LogFormat?: string; ApplicationLogLevel?: string; LogGroup?: string };
      };
      const { ref: functionName, attributes } = this.physical(resource);
      const credentials = this.options.credentials?.({ logicalId: resource.logicalId, functionName, roleArn: String(p.Role ?? '') });
      const variables = Object.fromEntries(Object.entries(p.Environment?.Variables ?? {}).map(([k, v]) => [k, String(v)]));
      const environment: Record<string, string> = {
        ...variables,
        // What the Lambda runtime sets.
        AWS_REGION: LOCAL_REGION,
        AWS_DEFAULT_REGION: LOCAL_REGION,
        AWS_LAMBDA_FUNCTION_NAME: functionName,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(p.MemorySize ?? 128),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_LOG_GROUP_NAME: p.LoggingConfig?.LogGroup ?? `/aws/lambda/${functionName}`,
        ...(p.LoggingConfig?.LogFormat ? { AWS_LAMBDA_LOG_FORMAT: p.LoggingConfig.LogFormat } : {}),
        ...(p.LoggingConfig?.ApplicationLogLevel ? { AWS_LAMBDA_LOG_LEVEL: p.LoggingConfig.ApplicationLogLevel } : {}),
        AWS_ACCESS_KEY_ID: credentials?.accessKeyId ?? localCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials?.secretAccessKey ?? localCredentials.secretAccessKey,
        ...(credentials ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
        TZ: 'UTC',
        // Local differences: SDK clients reach the local services (and there is no X-Ray daemon: the bundles hold no tracer to need one).
        ...this.options.sdkEnvironment(),
        // Lambda runs Node 24; the SDK's warning about this machine's Node 20 would only add noise to every log.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_DEV: 'false',
        STOCKADE_LOCAL: 'true',
      };
      const fn = new LocalFunction(
        {
          logicalId: resource.logicalId,
          functionName,
          arn: attributes.Arn ?? functionName,
          codeDirectory: this.options.assembly.assetPath(resource),
          handler: p.Handler ?? 'index.handler',
          timeoutSeconds: p.Timeout ?? 3,
          memoryMb: p.MemorySize ?? 128,
          ...(p.ReservedConcurrentExecutions !== undefined ? { reservedConcurrency: Number(p.ReservedConcurrentExecutions) } : {}),
          environment,
          logGroupName: environment.AWS_LAMBDA_LOG_GROUP_NAME ?? functionName,
        },
        { logFile: path.join(this.options.logDirectory, `${resource.logicalId}.log`), echo: this.options.echoLogs },
      );
      this.functions.set(resource.logicalId, fn);
      if (credentials) this.sessions.set(resource.logicalId, { roleArn: String(p.Role ?? ''), ...credentials });
    }
  }

  /** The function with this template logical id. */
  get(logicalId: string): LocalFunction {
    const fn = this.functions.get(logicalId);
    if (!fn) throw new Error(`No Lambda function ${logicalId} in the template`);
    return fn;
  }

  /** The function with this physical name (what a template's FunctionName reference resolves to). */
  byName(functionName: string): LocalFunction {
    // Accepts a name, an ARN, or a qualified ARN (…:function:name:$LATEST).
    const name = functionName.startsWith('arn:') ? (functionName.split(':')[6] ?? functionName) : functionName;
    const fn = [...this.functions.values()].find((f) => f.definition.functionName === name || f.definition.arn === functionName);
    if (!fn) throw new Error(`No Lambda function named ${functionName} in the template`);
    return fn;
  }

  /** The role and credentials each function runs with (by function name), when IAM gave them. */
  credentials(): Record<string, { roleArn: string; accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
    return Object.fromEntries([...this.sessions].map(([logicalId, session]) => [this.get(logicalId).definition.functionName, session]));
  }

  /** The credentials a function runs with (its role session's, or the administrator's). */
  credentialsOf(fn: LocalFunction): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } {
    return this.sessions.get(fn.definition.logicalId) ?? localCredentials;
  }

  all(): LocalFunction[] {
    return [...this.functions.values()];
  }

  sdkEnvironment(): Record<string, string> {
    return {};
  }

  describe(): string[] {
    return [`${this.name.padEnd(16)} ${this.functions.size} functions (worker threads; logs in ${this.options.logDirectory})`];
  }

  async stop(): Promise<void> {
    await Promise.all([...this.functions.values()].map((f) => f.stop()));
  }
}
