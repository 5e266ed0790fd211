import { type IncomingMessage, type ServerResponse } from 'node:http';
import type { TemplateResource } from '../../runtime/assembly';
import { LOCAL_ACCOUNT, LOCAL_REGION, type IntrinsicResolver, type ResolvedResource } from '../../runtime/intrinsics';
import { LoopbackHttpServer, readBody } from '../../runtime/net';
import { type RequestAuthorizer, sendRefusal } from '../iam/authorizing-proxy';
import { AwsServiceError, generatedName, type LocalService } from '../service';

interface StoredParameter {
  readonly name: string;
  readonly type: string;
  value: string;
  version: number;
  lastModified: number;
  description?: string;
}

/** A parameter's ARN: `parameter` followed by its name, with a slash between unless the name starts with one. */
export function ssmParameterArn(name: string, scope: { region: string; account: string } = { region: LOCAL_REGION, account: LOCAL_ACCOUNT }): string {
  return `arn:aws:ssm:${scope.region}:${scope.account}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
}

/**
 * An SSM Parameter Store stand-in speaking the AWS JSON 1.1 protocol (X-Amz-Target AmazonSSM.*), so the real
 * @aws-sdk/client-ssm and Powertools' SSMProvider work: GetParameter, GetParameters, GetParametersByPath and
 * PutParameter (a new version per put; an existing name needs Overwrite). Seeded from the template's
 * AWS::SSM::Parameter resources; in memory, on loopback, every request authorized like the other services'.
 * Not played: SecureString encryption (a value is stored as given), labels, history, policies and tiers.
 */
export class SsmService implements LocalService {
  readonly name = 'SSM';
  readonly resourceTypes = ['AWS::SSM::Parameter'] as const;
  private readonly http = new LoopbackHttpServer((req, res) => this.handle(req, res));
  private readonly parameters = new Map<string, StoredParameter>();

  constructor(private readonly options: { readonly authorize?: RequestAuthorizer } = {}) {}

  get endpoint(): string {
    return this.http.endpoint;
  }

  start(): Promise<void> {
    return this.http.start();
  }

  physical(resource: TemplateResource): ResolvedResource {
    const name = nameOf(resource);
    const stored = this.parameters.get(name);
    const type = typeof resource.properties.Type === 'string' ? resource.properties.Type : 'String';
    return { ref: name, attributes: { Type: stored?.type ?? type, ...(stored ? { Value: stored.value } : {}) } };
  }

  async provision(resources: readonly TemplateResource[], resolver: IntrinsicResolver): Promise<void> {
    for (const resource of resources) {
      const p = resolver.resolve(resource.properties, resource.stackName) as Record<string, unknown>;
      this.put({ Name: nameOf(resource), Value: p.Value, Type: p.Type ?? 'String', Description: p.Description });
    }
  }

  sdkEnvironment(): Record<string, string> {
    return { AWS_ENDPOINT_URL_SSM: this.endpoint };
  }

  describe(): string[] {
    return [`${this.name.padEnd(16)} ${this.endpoint}  (${this.parameters.size} parameters; stand-in)`];
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }

  /** The value a parameter holds now, for tests and the runtime's own use. */
  value(name: string): string | undefined {
    return this.parameters.get(name)?.value;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const refused = await this.options.authorize?.({ service: 'ssm', headers: req.headers, body });
    if (refused) return sendRefusal(res, refused);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AmazonSSM.') ? target.slice('AmazonSSM.'.length) : '';
    try {
      if (req.method !== 'POST') throw new AwsServiceError('ValidationException', 'POST only');
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      send(res, 200, this.dispatch(operation, input));
    } catch (error) {
      const e = error instanceof AwsServiceError ? error : new AwsServiceError('InternalServerError', 'stand-in failure', 500);
      res.setHeader('x-amzn-ErrorType', e.type);
      send(res, e.status, { __type: e.type, message: e.message });
    }
  }

  private dispatch(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'GetParameter':
        return { Parameter: view(this.find(String(input.Name ?? ''))) };
      case 'GetParameters': {
        const names = Array.isArray(input.Names) ? input.Names.map(String) : [];
        if (names.length === 0 || names.length > 10) throw new AwsServiceError('ValidationException', 'Names must name 1 to 10 parameters');
        const found = names.flatMap((n) => (this.parameters.has(bare(n)) ? [view(this.find(n))] : []));
        return { Parameters: found, InvalidParameters: names.filter((n) => !this.parameters.has(bare(n))) };
      }
      case 'GetParametersByPath': {
        const path = String(input.Path ?? '');
        if (!path.startsWith('/')) throw new AwsServiceError('ValidationException', 'The path must begin with a slash');
        const prefix = path.endsWith('/') ? path : `${path}/`;
        const recursive = input.Recursive === true;
        const matches = [...this.parameters.values()].filter((p) => p.name.startsWith(prefix) && (recursive || !p.name.slice(prefix.length).includes('/')));
        return { Parameters: matches.sort((a, b) => a.name.localeCompare(b.name)).map(view) };
      }
      case 'PutParameter':
        return this.put(input);
      default:
        throw new AwsServiceError('InvalidAction', `The stand-in does not implement ${operation || 'this operation'}`);
    }
  }

  private put(input: Record<string, unknown>): { Version: number; Tier: string } {
    const name = typeof input.Name === 'string' ? bare(input.Name) : '';
    const value = input.Value;
    if (!name) throw new AwsServiceError('ValidationException', 'Name is required');
    if (typeof value !== 'string' || value.length === 0) throw new AwsServiceError('ValidationException', 'Value must be a non-empty string');
    if (value.length > 4096) throw new AwsServiceError('ValidationException', 'Standard parameters hold at most 4 KB');
    const existing = this.parameters.get(name);
    if (existing) {
      if (input.Overwrite !== true)
        throw new AwsServiceError(
          'ParameterAlreadyExists',
          'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
        );
      if (typeof input.Type === 'string' && input.Type !== existing.type) throw new AwsServiceError('ValidationException', 'A parameter keeps its type');
      existing.value = value;
      existing.version += 1;
      existing.lastModified = Date.now();
      if (typeof input.Description === 'string') existing.description = input.Description;
      return { Version: existing.version, Tier: 'Standard' };
    }
    const type = typeof input.Type === 'string' ? input.Type : 'String';
    if (!['String', 'StringList', 'SecureString'].includes(type)) throw new AwsServiceError('ValidationException', `Unknown parameter type ${type}`);
    this.parameters.set(name, {
      name,
      type,
      value,
      version: 1,
      lastModified: Date.now(),
      ...(typeof input.Description === 'string' ? { description: input.Description } : {}),
    });
    return { Version: 1, Tier: 'Standard' };
  }

  private find(nameOrArn: string): StoredParameter {
    const found = this.parameters.get(bare(nameOrArn));
    if (!found) throw new AwsServiceError('ParameterNotFound', `Parameter ${nameOrArn} not found.`);
    return found;
  }
}

/** A parameter named by its ARN or its name (a name may carry a `:version` or `:label` selector, not played). */
function bare(nameOrArn: string): string {
  const arn = /^arn:aws[a-z-]*:ssm:[^:]*:\d*:parameter(\/.*)$/.exec(nameOrArn);
  const name = arn?.[1] ?? nameOrArn;
  // A name without a leading slash has one in its ARN only.
  return arn && !name.slice(1).includes('/') ? name.slice(1) : name;
}

function view(p: StoredParameter): Record<string, unknown> {
  return {
    Name: p.name,
    Type: p.type,
    Value: p.value,
    Version: p.version,
    LastModifiedDate: p.lastModified / 1000,
    ARN: ssmParameterArn(p.name),
    DataType: 'text',
  };
}

function nameOf(resource: TemplateResource): string {
  return typeof resource.properties.Name === 'string' ? resource.properties.Name : generatedName(resource, 1011);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
