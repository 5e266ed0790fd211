import type { TemplateResource } from '../runtime/assembly';
import type { IntrinsicResolver, ResolvedResource } from '../runtime/intrinsics';

/**
 * A piece of the cloud the local runtime plays. It owns some CloudFormation resource types: it names them the way
 * the real service would (so references resolve before anything exists), then creates them from the template.
 */
export interface LocalService {
  readonly name: string;
  /** CloudFormation types this service provisions. */
  readonly resourceTypes: readonly string[];
  start(): Promise<void>;
  /** Ref and GetAtt values of one of this service's resources. */
  physical(resource: TemplateResource): ResolvedResource;
  /** Creates every resource of this service's types from the template. */
  provision(resources: readonly TemplateResource[], resolver: IntrinsicResolver): Promise<void>;
  /** Environment that points AWS SDK clients at this service (AWS_ENDPOINT_URL_<SERVICE>). */
  sdkEnvironment(): Record<string, string>;
  /** Lines for the start-up banner. */
  describe(): string[];
  stop(): Promise<void>;
}

/** The default physical name CloudFormation would generate, shortened to a service's limit. */
export function generatedName(resource: TemplateResource, maxLength: number, suffix = ''): string {
  const base = `${resource.stackName}-${resource.logicalId}`.replace(/[^A-Za-z0-9_-]/g, '');
  return base.slice(0, maxLength - suffix.length) + suffix;
}

/**
 * An error a local service answers as the AWS service would: its error type (the protocol's `__type` or `Code`),
 * message and HTTP status.
 */
export class AwsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}
