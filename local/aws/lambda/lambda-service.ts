import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { CloudAssembly, TemplateResource } from '../../runtime/assembly';
import { LOCAL_ACCOUNT, LOCAL_REGION, type IntrinsicResolver, type ResolvedResource } from '../../runtime/intrinsics';
import { localCredentials } from '../credentials';
import type { FunctionCredentials } from '../iam/iam';
import { generatedName, type LocalService } from '../service';
import { type InvocationObserver, LocalFunction } from './local-function';

export interface LambdaServiceOptions {
  readonly assembly: CloudAssembly;
  /** Directory for one log file per function. */
  readonly logDirectory: string;
  /** Environment pointing SDK clients at the local services; filled in before provisioning. */
  readonly sdkEnvironment: () => Record<string, string>;
  readonly echoLogs?: boolean;
  /** The runtime's CloudWatch, told of every invocation and log line. @default none */
  readonly observer?: InvocationObserver;
  /**
   * The credentials of a function's role session (IamService#credentialsFor), given to its environment as Lambda
   * does. @default the administrator's localCredentials
   */
  readonly credentials?: (fn: { logicalId: string; functionName: string; roleArn: string }) => FunctionCredentials;
}

/** What Lambda answers for a function, version or alias that does not exist (404 ResourceNotFoundException). */
export class FunctionNotFoundError extends Error {
  override readonly name = 'ResourceNotFoundException';
}

/** A function as an invocation names it: its code, and the version the name resolves to (`$LATEST` unqualified). */
export interface ResolvedInvocationTarget {
  readonly fn: LocalFunction;
  readonly version: string;
}

/**
 * Every AWS::Lambda::Function of the template, runnable from its bundled asset with its resolved environment, and
 * its AWS::Lambda::Version and AWS::Lambda::Alias resources, so that a qualified ARN (`function:NAME:live`,
 * `function:NAME:3`) reaches the function as it does in AWS and an unknown qualifier fails as Lambda fails it.
 * Locally every version runs the one bundle the template holds: a version number and an alias are names here, not
 * separate code.
 */
export class LambdaService implements LocalService {
  readonly name = 'Lambda';
  readonly resourceTypes = ['AWS::Lambda::Function', 'AWS::Lambda::Version', 'AWS::Lambda::Alias'] as const;
  private readonly functions = new Map<string, LocalFunction>();
  /** Published versions by function name: each AWS::Lambda::Version of a function, numbered in template order from 1. */
  private readonly versions = new Map<string, string[]>();
  /** Aliases by function name, then alias name: the version each points to. */
  private readonly aliases = new Map<string, Map<string, string>>();
  private readonly sessions = new Map<string, FunctionCredentials & { roleArn: string }>();

  constructor(private readonly options: LambdaServiceOptions) {}

  async start(): Promise<void> {
    mkdirSync(this.options.logDirectory, { recursive: true });
  }

  physical(resource: TemplateResource): ResolvedResource {
    if (resource.type === 'AWS::Lambda::Version') {
      const name = this.functionNameOf(resource);
      const version = this.versionNumber(resource);
      const arn = functionArn(name, version);
      return { ref: arn, attributes: { Version: version, FunctionArn: functionArn(name) } };
    }
    if (resource.type === 'AWS::Lambda::Alias') {
      const arn = functionArn(this.functionNameOf(resource), String(resource.properties.Name));
      return { ref: arn, attributes: { AliasArn: arn } };
    }
    const name = typeof resource.properties.FunctionName === 'string' ? resource.properties.FunctionName : generatedName(resource, 64);
    return { ref: name, attributes: { Arn: functionArn(name) } };
  }

  /** The function name a Version or Alias names (its FunctionName: a Ref or Arn of a template function, a name or an ARN). */
  private functionNameOf(resource: TemplateResource): string {
    const value = resource.properties.FunctionName;
    if (typeof value === 'string') return value.startsWith('arn:') ? (value.split(':')[6] ?? value) : value;
    const v = (value ?? {}) as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
    const target = typeof v.Ref === 'string' ? v.Ref : Array.isArray(v['Fn::GetAtt']) ? String(v['Fn::GetAtt'][0]) : undefined;
    if (!target) throw new Error(`${resource.stackName}/${resource.logicalId}: FunctionName ${JSON.stringify(value)} names no function of the template`);
    return this.physical(this.options.assembly.resource(resource.stackName, target)).ref;
  }

  /** A Version's number: its place among its function's versions in the template, from 1 (Lambda numbers them as published). */
  private versionNumber(resource: TemplateResource): string {
    const name = this.functionNameOf(resource);
    const ofFunction = this.options.assembly
      .resourcesOfType('AWS::Lambda::Version')
      .filter((v) => v.stackName === resource.stackName && this.functionNameOf(v) === name);
    return String(ofFunction.findIndex((v) => v.logicalId === resource.logicalId) + 1);
  }

  async provision(resources: readonly TemplateResource[], resolver: IntrinsicResolver): Promise<void> {
    for (const resource of resources.filter((r) => r.type === 'AWS::Lambda::Version')) {
      const name = this.functionNameOf(resource);
      this.versions.set(name, [...(this.versions.get(name) ?? []), this.versionNumber(resource)]);
    }
    for (const resource of resources.filter((r) => r.type === 'AWS::Lambda::Alias')) {
      const p = resolver.resolve(resource.properties, resource.stackName) as { FunctionVersion?: string; Name?: string };
      const name = this.functionNameOf(resource);
      const byAlias = this.aliases.get(name) ?? new Map<string, string>();
      byAlias.set(String(p.Name), String(p.FunctionVersion ?? '$LATEST'));
      this.aliases.set(name, byAlias);
    }
    for (const resource of resources.filter((r) => r.type === 'AWS::Lambda::Function')) {
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
        { logFile: path.join(this.options.logDirectory, `${resource.logicalId}.log`), echo: this.options.echoLogs, observer: this.options.observer },
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

  /** The function an invocation names (see resolve); throws FunctionNotFoundError as Lambda answers 404. */
  byName(functionName: string): LocalFunction {
    return this.resolve(functionName).fn;
  }

  /**
   * What an invocation's FunctionName reaches, as Lambda reads it: a name, a partial ARN (`NAME:QUALIFIER`) or an ARN,
   * unqualified or qualified by `$LATEST`, a published version's number or an alias's name (its version). A
   * qualifier the function does not have is ResourceNotFoundException, as Lambda answers it: a grant or a caller
   * naming `function:NAME:live` reaches nothing until the alias exists.
   */
  resolve(functionName: string): ResolvedInvocationTarget {
    const parts = functionName.startsWith('arn:') ? functionName.split(':').slice(6) : functionName.split(':');
    const [name, qualifier, ...rest] = parts;
    const fn = name && rest.length === 0 ? [...this.functions.values()].find((f) => f.definition.functionName === name) : undefined;
    const notFound = () => new FunctionNotFoundError(`Function not found: ${functionArn(name ?? functionName, qualifier)}`);
    if (!fn) throw notFound();
    if (qualifier === undefined || qualifier === '$LATEST') return { fn, version: '$LATEST' };
    if (/^\d+$/.test(qualifier)) {
      if (!(this.versions.get(fn.definition.functionName) ?? []).includes(qualifier)) throw notFound();
      return { fn, version: qualifier };
    }
    const version = this.aliases.get(fn.definition.functionName)?.get(qualifier);
    if (version === undefined) throw notFound();
    return { fn, version };
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
    const aliases = [...this.aliases.values()].reduce((n, a) => n + a.size, 0);
    return [`${this.name.padEnd(16)} ${this.functions.size} functions, ${aliases} aliases (worker threads; logs in ${this.options.logDirectory})`];
  }

  async stop(): Promise<void> {
    await Promise.all([...this.functions.values()].map((f) => f.stop()));
  }
}

/** A function's ARN in the local account and region, qualified when `qualifier` is given. */
function functionArn(name: string, qualifier?: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`;
}
