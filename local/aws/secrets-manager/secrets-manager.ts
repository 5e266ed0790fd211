import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import type { TemplateResource } from '../../runtime/assembly';
import { LOCAL_ACCOUNT, LOCAL_REGION, type IntrinsicResolver, type ResolvedResource } from '../../runtime/intrinsics';
import type { InvokeOutcome } from '../lambda/local-function';
import { LoopbackHttpServer, readBody } from '../../runtime/net';
import { type RequestAuthorizer, sendRefusal } from '../iam/authorizing-proxy';
import { AwsServiceError, generatedName, type LocalService } from '../service';

interface SecretVersion {
  readonly versionId: string;
  /** Undefined for the placeholder RotateSecret creates for a rotation's token, until its createSecret step puts a value. */
  secretString?: string;
  readonly createdDate: number;
  stages: Set<string>;
}

interface RotationConfiguration {
  readonly lambdaArn: string;
  readonly rules?: Record<string, unknown>;
  lastRotatedDate?: number;
}

interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  readonly description?: string;
  readonly tags: Array<{ Key: string; Value: string }>;
  readonly versions: SecretVersion[];
  /** Set by the template's AWS::SecretsManager::RotationSchedule or by RotateSecret; rotation is then enabled. */
  rotation?: RotationConfiguration;
}

/** The steps of a rotation function, invoked in this order (docs: "How rotation works"). */
const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

/** Invokes a local Lambda function by name or ARN; the runtime passes `(arn, event) => lambdas.byName(arn).invoke(event)`. */
export type RotationInvoker = (functionArn: string, event: unknown) => Promise<InvokeOutcome>;

/** Decides the local value of a secret the template declares (by its tags), or undefined to generate one. */
export type LocalSecretValue = (secret: { name: string; tags: Record<string, string> }) => string | undefined;

/**
 * A Secrets Manager stand-in speaking the AWS JSON 1.1 protocol, so the real @aws-sdk/client-secrets-manager works:
 * CreateSecret, GetSecretValue, PutSecretValue, DescribeSecret, ListSecrets, UpdateSecretVersionStage and
 * RotateSecret, with versions and the AWSCURRENT / AWSPREVIOUS / AWSPENDING staging labels. In memory, on loopback.
 *
 * Rotation: the template's rotation schedules set each secret's rotation function, and RotateSecret runs a rotation
 * as Secrets Manager does: a placeholder version for the ClientRequestToken labelled AWSPENDING, then the function's
 * createSecret, setSecret, testSecret and finishSecret steps with that token, through the local Lambda service.
 * Differences from AWS: schedules never fire on a timer, and creating one does not rotate (rotate with RotateSecret);
 * RotateSecret answers once the four steps are done (AWS answers first and rotates asynchronously), and a failed step
 * fails the call; RotateImmediately=false only stores the configuration (AWS also runs testSecret as a check).
 */
export class SecretsManagerService implements LocalService {
  readonly name = 'Secrets Manager';
  readonly resourceTypes = ['AWS::SecretsManager::Secret', 'AWS::SecretsManager::RotationSchedule'] as const;
  private readonly http = new LoopbackHttpServer((req, res) => this.handle(req, res));
  private readonly secrets = new Map<string, StoredSecret>();

  constructor(
    private readonly localValue: LocalSecretValue = () => undefined,
    private readonly options: { readonly invoke?: RotationInvoker; readonly authorize?: RequestAuthorizer } = {},
  ) {}

  get endpoint(): string {
    return this.http.endpoint;
  }

  start(): Promise<void> {
    return this.http.start();
  }

  physical(resource: TemplateResource): ResolvedResource {
    // A rotation schedule's Ref is its secret's ARN in AWS; nothing in Stockade's templates refers to one.
    if (resource.type === 'AWS::SecretsManager::RotationSchedule') return { ref: resource.logicalId, attributes: {} };
    const arn = arnFor(nameOf(resource));
    return { ref: arn, attributes: { Id: arn } };
  }

  async provision(resources: readonly TemplateResource[], resolver: IntrinsicResolver): Promise<void> {
    const isSchedule = (r: TemplateResource) => r.type === 'AWS::SecretsManager::RotationSchedule';
    for (const resource of resources.filter((r) => !isSchedule(r))) {
      const p = resolver.resolve(resource.properties, resource.stackName) as Record<string, unknown>;
      const name = nameOf(resource);
      const tags = (p.Tags as Array<{ Key: string; Value: string }> | undefined) ?? [];
      const tagMap = Object.fromEntries(tags.map((t) => [t.Key, t.Value]));
      const value =
        this.localValue({ name, tags: tagMap }) ??
        (typeof p.SecretString === 'string' ? p.SecretString : generate(p.GenerateSecretString as GenerateSpec | undefined));
      this.create({ Name: name, Description: p.Description as string | undefined, SecretString: value, Tags: tags });
    }
    for (const resource of resources.filter(isSchedule)) {
      const p = resolver.resolve(resource.properties, resource.stackName) as {
        SecretId?: unknown;
        RotationLambdaARN?: unknown;
        RotationRules?: Record<string, unknown>;
      };
      if (typeof p.RotationLambdaARN !== 'string') continue; // Hosted rotations are not played.
      this.find(String(p.SecretId)).rotation = { lambdaArn: p.RotationLambdaARN, rules: p.RotationRules };
    }
  }

  /** The current value of a secret, for the runtime's own use (endpoints.json). */
  currentValue(nameOrArn: string): string {
    return valueOf(this.version(this.find(nameOrArn), undefined, 'AWSCURRENT'));
  }

  /** Name and tags of every stored secret. */
  list(): Array<{ name: string; arn: string; tags: Record<string, string> }> {
    return [...this.secrets.values()].map((s) => ({ name: s.name, arn: s.arn, tags: Object.fromEntries(s.tags.map((t) => [t.Key, t.Value])) }));
  }

  sdkEnvironment(): Record<string, string> {
    return { AWS_ENDPOINT_URL_SECRETS_MANAGER: this.endpoint };
  }

  describe(): string[] {
    const rotated = [...this.secrets.values()].filter((s) => s.rotation).length;
    return [
      `${this.name.padEnd(16)} ${this.endpoint}  (${this.secrets.size} secrets, ${rotated} with a rotation function run by RotateSecret, not on a timer; stand-in)`,
    ];
  }

  async stop(): Promise<void> {
    await this.http.stop();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : '';
    const refused = await this.options.authorize?.({
      service: 'secretsmanager',
      headers: req.headers,
      body,
      scope: { secretArn: (id) => this.secretArnOf(id) },
    });
    if (refused) return sendRefusal(res, refused);
    try {
      if (req.method !== 'POST') throw new AwsServiceError('InvalidRequestException', 'POST only');
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      const output = operation === 'RotateSecret' ? await this.rotate(input) : this.dispatch(operation, input);
      send(res, 200, output);
    } catch (error) {
      const e = error instanceof AwsServiceError ? error : new AwsServiceError('InternalServiceError', 'stand-in failure', 500);
      res.setHeader('x-amzn-ErrorType', e.type);
      send(res, e.status, { __type: e.type, message: e.message });
    }
  }

  /** The ARN of a stored secret named by name or ARN (IAM authorizes on it). */
  private secretArnOf(id: string): string | undefined {
    return this.secrets.get(id)?.arn ?? [...this.secrets.values()].find((s) => s.name === id)?.arn;
  }

  private dispatch(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'CreateSecret':
        return this.create(input as { Name: string; SecretString?: string; Description?: string; Tags?: Array<{ Key: string; Value: string }> });
      case 'GetSecretValue': {
        const secret = this.find(String(input.SecretId ?? ''));
        const version = this.version(secret, input.VersionId as string | undefined, input.VersionStage as string | undefined);
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: version.versionId,
          SecretString: valueOf(version),
          VersionStages: [...version.stages],
          CreatedDate: version.createdDate / 1000,
        };
      }
      case 'PutSecretValue': {
        const secret = this.find(String(input.SecretId ?? ''));
        if (typeof input.SecretString !== 'string') throw new AwsServiceError('InvalidParameterException', 'SecretString is required');
        const stages = (input.VersionStages as string[] | undefined) ?? ['AWSCURRENT'];
        const version = this.addVersion(secret, input.SecretString, stages, input.ClientRequestToken as string | undefined);
        return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: [...version.stages] };
      }
      case 'DescribeSecret': {
        const secret = this.find(String(input.SecretId ?? ''));
        return {
          ARN: secret.arn,
          Name: secret.name,
          Description: secret.description,
          Tags: secret.tags,
          RotationEnabled: secret.rotation !== undefined,
          ...(secret.rotation
            ? {
                RotationLambdaARN: secret.rotation.lambdaArn,
                ...(secret.rotation.rules ? { RotationRules: secret.rotation.rules } : {}),
                ...(secret.rotation.lastRotatedDate ? { LastRotatedDate: secret.rotation.lastRotatedDate / 1000 } : {}),
              }
            : {}),
          VersionIdsToStages: Object.fromEntries(secret.versions.filter((v) => v.stages.size > 0).map((v) => [v.versionId, [...v.stages]])),
        };
      }
      case 'ListSecrets':
        return { SecretList: [...this.secrets.values()].map((s) => ({ ARN: s.arn, Name: s.name, Description: s.description, Tags: s.tags })) };
      case 'UpdateSecretVersionStage': {
        const secret = this.find(String(input.SecretId ?? ''));
        const stage = String(input.VersionStage ?? '');
        const moveTo = input.MoveToVersionId as string | undefined;
        const removeFrom = input.RemoveFromVersionId as string | undefined;
        if (moveTo) {
          const holder = secret.versions.find((v) => v.stages.has(stage));
          if (holder && holder.versionId !== moveTo && holder.versionId !== removeFrom) {
            throw new AwsServiceError(
              'InvalidParameterException',
              `The staging label ${stage} is attached to version ${holder.versionId}; name it in RemoveFromVersionId`,
            );
          }
          this.moveStage(secret, stage, moveTo);
        } else if (removeFrom) {
          secret.versions.find((v) => v.versionId === removeFrom)?.stages.delete(stage);
        }
        return { ARN: secret.arn, Name: secret.name };
      }
      default:
        throw new AwsServiceError('UnknownOperationException', `The stand-in does not implement ${operation || 'this operation'}`);
    }
  }

  private create(input: { Name: string; SecretString?: string; Description?: string; Tags?: Array<{ Key: string; Value: string }> }) {
    if (!input.Name) throw new AwsServiceError('InvalidParameterException', 'Name is required');
    if ([...this.secrets.values()].some((s) => s.name === input.Name))
      throw new AwsServiceError('ResourceExistsException', `The secret ${input.Name} already exists.`);
    const secret: StoredSecret = { arn: arnFor(input.Name), name: input.Name, description: input.Description, tags: input.Tags ?? [], versions: [] };
    this.secrets.set(secret.arn, secret);
    const version = input.SecretString === undefined ? undefined : this.addVersion(secret, input.SecretString, ['AWSCURRENT']);
    return { ARN: secret.arn, Name: secret.name, VersionId: version?.versionId };
  }

  /**
   * Runs a rotation the way Secrets Manager does (see the class comment for where the stand-in differs): the token's
   * version starts as a placeholder labelled AWSPENDING, and the rotation function takes it through the four steps.
   * Repeating a token repeats the steps, which find their work done: no second version.
   */
  private async rotate(input: Record<string, unknown>): Promise<unknown> {
    const secret = this.find(String(input.SecretId ?? ''));
    const lambdaArn = typeof input.RotationLambdaARN === 'string' && input.RotationLambdaARN ? input.RotationLambdaARN : secret.rotation?.lambdaArn;
    if (!lambdaArn) throw new AwsServiceError('InvalidRequestException', 'No Lambda rotation function ARN is associated with this secret.');
    const rules = (input.RotationRules as Record<string, unknown> | undefined) ?? secret.rotation?.rules;
    secret.rotation = { lambdaArn, ...(rules ? { rules } : {}), lastRotatedDate: secret.rotation?.lastRotatedDate };
    if (input.RotateImmediately === false) return { ARN: secret.arn, Name: secret.name };

    const token = typeof input.ClientRequestToken === 'string' && input.ClientRequestToken ? input.ClientRequestToken : randomUUID();
    if (secret.versions.some((v) => v.versionId !== token && v.stages.has('AWSPENDING') && !v.stages.has('AWSCURRENT'))) {
      throw new AwsServiceError('InvalidRequestException', "A previous rotation isn't complete. That rotation will be reattempted.");
    }
    if (!secret.versions.some((v) => v.versionId === token)) {
      secret.versions.push({ versionId: token, createdDate: Date.now(), stages: new Set() });
      this.moveStage(secret, 'AWSPENDING', token);
    }
    const invoke = this.options.invoke;
    if (!invoke) throw new AwsServiceError('InvalidRequestException', 'This stand-in has no Lambda service to run rotation functions with.');
    for (const step of ROTATION_STEPS) {
      let outcome: InvokeOutcome;
      try {
        outcome = await invoke(lambdaArn, { Step: step, SecretId: secret.arn, ClientRequestToken: token });
      } catch {
        throw new AwsServiceError('InvalidRequestException', `The rotation function ${lambdaArn} does not exist.`);
      }
      if (!outcome.ok) {
        throw new AwsServiceError(
          'InvalidRequestException',
          `Rotation of ${secret.name} failed at ${step} (the pending version stays): ${outcome.error.errorType}: ${outcome.error.errorMessage}`,
        );
      }
    }
    // Once a rotation succeeded, AWSPENDING leaves the version that is now current.
    const rotated = secret.versions.find((v) => v.versionId === token);
    if (rotated?.stages.has('AWSCURRENT')) rotated.stages.delete('AWSPENDING');
    secret.rotation.lastRotatedDate = Date.now();
    return { ARN: secret.arn, Name: secret.name, VersionId: token };
  }

  private addVersion(secret: StoredSecret, secretString: string, stages: string[], token?: string): SecretVersion {
    const existing = token ? secret.versions.find((v) => v.versionId === token) : undefined;
    if (existing && existing.secretString === undefined) {
      // A rotation's placeholder gets its value (createSecret's PutSecretValue with the rotation's token).
      existing.secretString = secretString;
      for (const stage of stages) this.moveStage(secret, stage, existing.versionId);
      return existing;
    }
    if (existing) {
      if (existing.secretString !== secretString)
        throw new AwsServiceError('ResourceExistsException', 'A version with this ClientRequestToken already exists with another value');
      return existing;
    }
    const version: SecretVersion = { versionId: token ?? randomUUID(), secretString, createdDate: Date.now(), stages: new Set() };
    secret.versions.push(version);
    for (const stage of stages) this.moveStage(secret, stage, version.versionId);
    return version;
  }

  private moveStage(secret: StoredSecret, stage: string, versionId: string): void {
    const target = secret.versions.find((v) => v.versionId === versionId);
    if (!target) throw new AwsServiceError('ResourceNotFoundException', `Version ${versionId} not found`);
    for (const v of secret.versions) {
      if (v.stages.delete(stage) && stage === 'AWSCURRENT' && v !== target) {
        for (const other of secret.versions) other.stages.delete('AWSPREVIOUS');
        v.stages.add('AWSPREVIOUS');
      }
    }
    target.stages.add(stage);
  }

  private find(secretId: string): StoredSecret {
    const byArn = this.secrets.get(secretId);
    if (byArn) return byArn;
    const found = [...this.secrets.values()].find((s) => s.name === secretId || s.arn.startsWith(`${secretId}-`) || s.arn === secretId);
    if (!found) throw new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return found;
  }

  /** The version with this id (and this label, when both are given), or else the one with this label. */
  private version(secret: StoredSecret, versionId?: string, stage?: string): SecretVersion {
    const version = versionId
      ? secret.versions.find((v) => v.versionId === versionId && (stage === undefined || v.stages.has(stage)))
      : secret.versions.find((v) => v.stages.has(stage ?? 'AWSCURRENT'));
    if (!version) throw new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label or version.");
    return version;
  }
}

/** A version's value; a rotation's placeholder has none yet, which AWS reports as not found. */
function valueOf(version: SecretVersion): string {
  if (version.secretString === undefined)
    throw new AwsServiceError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${version.versionId}`);
  return version.secretString;
}

function nameOf(resource: TemplateResource): string {
  return typeof resource.properties.Name === 'string' ? resource.properties.Name : generatedName(resource, 200);
}

interface GenerateSpec {
  PasswordLength?: number;
  ExcludePunctuation?: boolean;
  SecretStringTemplate?: string;
  GenerateStringKey?: string;
}

function generate(spec: GenerateSpec | undefined): string {
  const length = spec?.PasswordLength ?? 32;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789' + (spec?.ExcludePunctuation ? '' : '!#$%&*+-.:=?^_~');
  const bytes = randomBytes(length);
  const value = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
  if (spec?.SecretStringTemplate && spec.GenerateStringKey) {
    return JSON.stringify({ ...(JSON.parse(spec.SecretStringTemplate) as object), [spec.GenerateStringKey]: value });
  }
  return value;
}

/** Secrets Manager ARNs end in a dash and six random characters; locally they are derived from the name. */
function arnFor(name: string): string {
  const suffix = createHash('sha256')
    .update(name)
    .digest('base64url')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, 6);
  return `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${name}-${suffix}`;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
