import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, sign } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as path from 'node:path';
import {
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientCommandInput,
  UpdateUserPoolCommand,
  type UpdateUserPoolCommandInput,
} from '@aws-sdk/client-cognito-identity-provider';
import type { CloudAssembly, TemplateResource } from '../../runtime/assembly';
import { LOCAL_ACCOUNT, LOCAL_REGION, type IntrinsicResolver, type ResolvedResource } from '../../runtime/intrinsics';
import type { InvokeOutcome } from '../lambda/local-function';
import { closeServer, freePort, listenOnLoopback, LOOPBACK, readBody, waitForPort } from '../../runtime/net';
import { stopChild, trackChild } from '../../runtime/process';
import { localCredentials } from '../credentials';
import { type RequestAuthorizer, sendRefusal } from '../iam/authorizing-proxy';
import type { LocalService } from '../service';

export interface CognitoServiceOptions {
  readonly assembly: CloudAssembly;
  /** Authorizes each signed API request with IAM (the runtime's IamService). @default none: every request proceeds */
  readonly authorize?: RequestAuthorizer;
  /** Where cognito-local keeps its state for this run. */
  readonly workDirectory: string;
  readonly resolver: () => IntrinsicResolver;
  /** The local Lambda Invoke API, which cognito-local calls for its triggers. */
  readonly lambdaEndpoint: () => string;
  /** Invokes a template function by ARN or name (for the V2 token trigger). */
  readonly invoke: (functionArn: string, event: unknown) => Promise<InvokeOutcome>;
}

/** Claims a token trigger may not change (as in Cognito). */
const RESERVED_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'auth_time',
  'token_use',
  'client_id',
  'username',
  'cognito:username',
  'origin_jti',
  'event_id',
  'scope',
]);

/**
 * Cognito played by cognito-local (a child process on loopback, state in a fresh directory per run) with the
 * pools, groups and clients of the template and its triggers. cognito-local runs only V1 token triggers, whose
 * claims reach the ID token alone; so clients talk to a thin front that forwards every call and, where a pool has
 * a V2 pre token generation trigger, runs that trigger on each token issue as Cognito does (a failure refuses the
 * sign-in with UserLambdaValidationException) and re-signs the tokens with cognito-local's own key.
 */
export class CognitoService implements LocalService {
  readonly name = 'Cognito';
  readonly resourceTypes = ['AWS::Cognito::UserPool', 'AWS::Cognito::UserPoolClient', 'AWS::Cognito::UserPoolGroup'] as const;
  private child?: ChildProcess;
  private front?: Server;
  private backendPort = 0;
  private frontPort = 0;
  private readonly clientIds = new Map<string, string>();
  private client?: CognitoIdentityProviderClient;
  private readonly privateKeyPem: string;
  private readonly v2TokenTriggers = new Map<string, string>();

  constructor(private readonly options: CognitoServiceOptions) {
    const packageDir = path.dirname(require.resolve('cognito-local/package.json'));
    this.privateKeyPem = (JSON.parse(readFileSync(path.join(packageDir, 'lib', 'keys', 'cognitoLocal.private.json'), 'utf8')) as { pem: string }).pem;
  }

  get endpoint(): string {
    return `http://${LOOPBACK}:${this.frontPort}`;
  }

  /** cognito-local's data directory: its db files hold sign-up confirmation codes (the local mailbox). */
  get dataDirectory(): string {
    return path.join(this.options.workDirectory, '.cognito');
  }

  private get pools(): TemplateResource[] {
    return this.options.assembly.resourcesOfType('AWS::Cognito::UserPool');
  }

  async start(): Promise<void> {
    if (this.pools.length === 0) return;
    const resolver = this.options.resolver();
    const dir = path.join(this.options.workDirectory, '.cognito');
    mkdirSync(path.join(dir, 'db'), { recursive: true });
    const triggers: Record<string, string> = {};
    for (const pool of this.pools) {
      // cognito-local names a pool after its db file: an empty one gives the pool the id the template resolves to.
      writeFileSync(path.join(dir, 'db', `${this.physical(pool).ref}.json`), '{}');
      const config = (resolver.resolve(pool.properties.LambdaConfig ?? {}, pool.stackName) ?? {}) as {
        PostConfirmation?: string;
        PreSignUp?: string;
        PostAuthentication?: string;
        PreTokenGenerationConfig?: { LambdaArn?: string; LambdaVersion?: string };
        PreTokenGeneration?: string;
      };
      if (config.PostConfirmation) triggers.PostConfirmation = functionName(config.PostConfirmation);
      if (config.PreSignUp) triggers.PreSignUp = functionName(config.PreSignUp);
      if (config.PostAuthentication) triggers.PostAuthentication = functionName(config.PostAuthentication);
      const tokenTrigger = config.PreTokenGenerationConfig?.LambdaArn ?? config.PreTokenGeneration;
      if (tokenTrigger) this.v2TokenTriggers.set(this.physical(pool).ref, tokenTrigger);
    }
    this.frontPort = await freePort();
    this.backendPort = await freePort();
    writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify(
        {
          LambdaClient: { endpoint: this.options.lambdaEndpoint(), region: LOCAL_REGION, credentials: localCredentials },
          TriggerFunctions: triggers,
          TokenConfig: { IssuerDomain: this.endpoint },
        },
        null,
        2,
      ),
    );
    const bin = path.join(path.dirname(require.resolve('cognito-local/package.json')), 'lib', 'bin', 'start.js');
    const child = spawn(process.execPath, [bin], {
      cwd: this.options.workDirectory,
      env: {
        ...process.env,
        HOST: LOOPBACK,
        PORT: String(this.backendPort),
        NO_COLOR: '1',
        FORCE_COLOR: '0',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    trackChild(child, 'cognito-local');
    child.stdout?.resume();
    child.stderr?.resume();
    await waitForPort(this.backendPort, 20_000);

    const front = createServer((req, res) => void this.forward(req, res));
    await listenOnLoopback(front, this.frontPort);
    this.front = front;
    // cognito-local answers unsupported operations with a 500 the SDK would retry three times.
    this.client = new CognitoIdentityProviderClient({ endpoint: this.endpoint, region: LOCAL_REGION, credentials: localCredentials, maxAttempts: 1 });
  }

  physical(resource: TemplateResource): ResolvedResource {
    if (resource.type === 'AWS::Cognito::UserPool') {
      const id = `${LOCAL_REGION}_${createHash('sha256')
        .update(`${resource.stackName}/${resource.logicalId}`)
        .digest('base64url')
        .replace(/[^A-Za-z0-9]/g, '')
        .slice(0, 9)}`;
      return {
        ref: id,
        attributes: {
          Arn: `arn:aws:cognito-idp:${LOCAL_REGION}:${LOCAL_ACCOUNT}:userpool/${id}`,
          ProviderName: `cognito-idp.${LOCAL_REGION}.amazonaws.com/${id}`,
          ProviderURL: `${this.endpoint}/${id}`,
          UserPoolId: id,
        },
      };
    }
    if (resource.type === 'AWS::Cognito::UserPoolClient') {
      const id = this.clientIds.get(`${resource.stackName}/${resource.logicalId}`);
      if (!id) throw new Error(`${resource.logicalId}: the app client is created when Cognito is provisioned, before anything can refer to it`);
      return { ref: id, attributes: { ClientId: id, Name: id } };
    }
    return { ref: String(resource.properties.GroupName ?? resource.logicalId), attributes: {} };
  }

  async provision(resources: readonly TemplateResource[], resolver: IntrinsicResolver): Promise<void> {
    const client = this.client;
    if (!client) return;
    for (const pool of resources.filter((r) => r.type === 'AWS::Cognito::UserPool')) {
      const p = resolver.resolve(pool.properties, pool.stackName) as Record<string, unknown>;
      const input: UpdateUserPoolCommandInput = {
        UserPoolId: this.physical(pool).ref,
        MfaConfiguration: p.MfaConfiguration as UpdateUserPoolCommandInput['MfaConfiguration'],
        AutoVerifiedAttributes: p.AutoVerifiedAttributes as UpdateUserPoolCommandInput['AutoVerifiedAttributes'],
        Policies: p.Policies as UpdateUserPoolCommandInput['Policies'],
        AccountRecoverySetting: p.AccountRecoverySetting as UpdateUserPoolCommandInput['AccountRecoverySetting'],
      };
      await client.send(new UpdateUserPoolCommand(input));
    }
    for (const group of resources.filter((r) => r.type === 'AWS::Cognito::UserPoolGroup')) {
      const p = resolver.resolve(group.properties, group.stackName) as { GroupName: string; UserPoolId: string; Precedence?: number; Description?: string };
      await client.send(new CreateGroupCommand({ GroupName: p.GroupName, UserPoolId: p.UserPoolId, Precedence: p.Precedence, Description: p.Description }));
    }
    for (const appClient of resources.filter((r) => r.type === 'AWS::Cognito::UserPoolClient')) {
      const p = resolver.resolve(appClient.properties, appClient.stackName) as Record<string, unknown>;
      const created = await client.send(
        new CreateUserPoolClientCommand({
          UserPoolId: p.UserPoolId as string,
          ClientName: (p.ClientName as string | undefined) ?? appClient.logicalId,
          GenerateSecret: p.GenerateSecret === true,
          ExplicitAuthFlows: p.ExplicitAuthFlows as CreateUserPoolClientCommandInput['ExplicitAuthFlows'],
          AccessTokenValidity: p.AccessTokenValidity as number | undefined,
          IdTokenValidity: p.IdTokenValidity as number | undefined,
          RefreshTokenValidity: p.RefreshTokenValidity as number | undefined,
          TokenValidityUnits: p.TokenValidityUnits as CreateUserPoolClientCommandInput['TokenValidityUnits'],
        }),
      );
      this.clientIds.set(`${appClient.stackName}/${appClient.logicalId}`, created.UserPoolClient?.ClientId ?? '');
    }
  }

  sdkEnvironment(): Record<string, string> {
    return this.frontPort ? { AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: this.endpoint } : {};
  }

  describe(): string[] {
    return this.child
      ? [`${this.name.padEnd(16)} ${this.endpoint}  (cognito-local, ${this.pools.length} pool, pid ${this.child.pid}; V2 token trigger run by the runtime)`]
      : [];
  }

  async stop(): Promise<void> {
    this.client?.destroy();
    await closeServer(this.front);
    if (this.child) await stopChild(this.child);
    rmSync(this.options.workDirectory, { recursive: true, force: true });
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const refused = await this.options.authorize?.({ service: 'cognito-idp', headers: req.headers, body });
    if (refused) return sendRefusal(res, refused);
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'x-amz-target', 'authorization', 'x-amz-date', 'x-amz-user-agent']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const target = headers['x-amz-target'] ?? '';
    // cognito-local has no AdminUserGlobalSignOut: it is answered here as Cognito answers it (an empty object for a
    // user of the pool, UserNotFoundException otherwise, from cognito-local's AdminGetUser). Signing out revokes refresh
    // tokens; the erasure run deletes the user next, which ends every local session too.
    const signOut = target.endsWith('.AdminUserGlobalSignOut');
    if (signOut) headers['x-amz-target'] = target.replace(/AdminUserGlobalSignOut$/, 'AdminGetUser');
    const upstream = await fetch(`http://${LOOPBACK}:${this.backendPort}${req.url ?? '/'}`, {
      method: req.method,
      headers,
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
    });
    let text = await upstream.text();
    let status = upstream.status;
    if (signOut && status === 200) text = '{}';
    if (status === 200 && /\.(InitiateAuth|RespondToAuthChallenge|AdminInitiateAuth|AdminRespondToAuthChallenge)$/.test(target)) {
      const customized = await this.runTokenTrigger(text, body.toString('utf8'));
      status = customized.status;
      text = customized.text;
    }
    res.writeHead(status, { 'Content-Type': upstream.headers.get('content-type') ?? 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** Runs the pool's V2 pre token generation trigger on freshly issued tokens, as Cognito does. */
  private async runTokenTrigger(responseText: string, requestText: string): Promise<{ status: number; text: string }> {
    const response = JSON.parse(responseText) as { AuthenticationResult?: { AccessToken?: string; IdToken?: string } };
    const result = response.AuthenticationResult;
    if (!result?.AccessToken || !result.IdToken) return { status: 200, text: responseText };
    const access = decodeJwt(result.AccessToken);
    const id = decodeJwt(result.IdToken);
    const userPoolId = String(access.payload.iss).split('/').pop() ?? '';
    const trigger = this.v2TokenTriggers.get(userPoolId);
    if (!trigger) return { status: 200, text: responseText };
    const request = JSON.parse(requestText || '{}') as { AuthFlow?: string };
    const userAttributes = Object.fromEntries(
      Object.entries(id.payload)
        .filter(([k]) => k === 'sub' || k === 'email' || k === 'email_verified' || k.startsWith('custom:'))
        .map(([k, v]) => [k, String(v)]),
    );
    const event = {
      version: '2',
      triggerSource:
        request.AuthFlow === 'REFRESH_TOKEN_AUTH' || request.AuthFlow === 'REFRESH_TOKEN' ? 'TokenGeneration_RefreshTokens' : 'TokenGeneration_Authentication',
      region: LOCAL_REGION,
      userPoolId,
      userName: String(access.payload.username),
      callerContext: { awsSdkVersion: 'local', clientId: String(access.payload.client_id) },
      request: {
        userAttributes,
        groupConfiguration: { groupsToOverride: (access.payload['cognito:groups'] as string[] | undefined) ?? [], iamRolesToOverride: [], preferredRole: null },
        scopes: String(access.payload.scope ?? '')
          .split(' ')
          .filter(Boolean),
      },
      response: { claimsAndScopeOverrideDetails: null },
    };
    const outcome = await this.options.invoke(trigger, event);
    if (!outcome.ok) {
      return {
        status: 400,
        text: JSON.stringify({ __type: 'UserLambdaValidationException', message: `PreTokenGeneration failed with error ${outcome.error.errorMessage}.` }),
      };
    }
    type Overrides = { claimsToAddOrOverride?: Record<string, unknown>; claimsToSuppress?: string[] };
    const details = (
      outcome.value as { response?: { claimsAndScopeOverrideDetails?: { accessTokenGeneration?: Overrides; idTokenGeneration?: Overrides } | null } } | null
    )?.response?.claimsAndScopeOverrideDetails;
    const apply = (payload: Record<string, unknown>, o: Overrides | undefined) => {
      for (const [k, v] of Object.entries(o?.claimsToAddOrOverride ?? {})) if (!RESERVED_CLAIMS.has(k)) payload[k] = v;
      for (const k of o?.claimsToSuppress ?? []) if (!RESERVED_CLAIMS.has(k)) delete payload[k];
      return payload;
    };
    result.AccessToken = this.signJwt(access.header, apply(access.payload, details?.accessTokenGeneration));
    result.IdToken = this.signJwt(id.header, apply(id.payload, details?.idTokenGeneration));
    return { status: 200, text: JSON.stringify(response) };
  }

  private signJwt(header: Record<string, unknown>, payload: Record<string, unknown>): string {
    const data = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    return `${data}.${sign('RSA-SHA256', Buffer.from(data), this.privateKeyPem).toString('base64url')}`;
  }
}

function functionName(arnOrName: string): string {
  return arnOrName.startsWith('arn:') ? (arnOrName.split(':')[6] ?? arnOrName) : arnOrName;
}

function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}
