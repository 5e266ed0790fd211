import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { getDenialReasons, getGrantReasons, runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { CloudAssembly, TemplateResource } from '../../runtime/assembly';
import { LOCAL_ACCOUNT, LOCAL_REGION, type IntrinsicResolver, type ResolvedResource } from '../../runtime/intrinsics';
import { KEPT_GRANTS_METADATA, type KeptGrant } from '../../../lib/config/tags';
import { localCredentials } from '../credentials';
import { generatedName, type LocalService } from '../service';
import { accessKeyIdOf, type ApiRequest, checksFor, type IamCheck, type IamServiceName, lambdaChecks, type MappingScope, sqsQueueArn } from './request-mapping';

export type PolicyDocument = { Version?: string; Statement: unknown[] };

/** iam-policies.json: each function's role and its identity policies for one run. */
export interface PolicySnapshot {
  functions: Record<
    string,
    {
      roleArn: string;
      policies: Array<{ name: string; policy: PolicyDocument }>;
      /** Grants the stack says stay although a run may not use them, with the reason (KEPT_GRANTS_METADATA). */
      kept?: KeptGrant[];
    }
  >;
}

/** The credentials a local function runs with, standing for its role's session as Lambda gives it. */
export interface FunctionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

interface Identity {
  readonly functionName: string;
  readonly roleArn: string;
  /** The session ARN AWS names in its errors: arn:aws:sts::<account>:assumed-role/<role>/<function>. */
  readonly principal: string;
}

/** One authorization decision, as appended to iam-decisions.jsonl. */
export interface IamDecision {
  readonly time: string;
  readonly function: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly decision: 'allow' | 'deny';
  readonly result: string;
  /** The statement that decided: the allowing statement, or the explicit deny (none for an implicit deny). */
  readonly statement?: { policy?: string; policyType?: string; sid?: string; index?: number };
  readonly context?: Record<string, string | string[]>;
}

/** What a local endpoint answers when IAM refuses a request. */
export interface Refusal {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface AuthorizeInput {
  readonly service: IamServiceName;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly path?: string;
  /** Service-specific lookups the mapping needs (a task token's state machine, a secret's ARN). */
  readonly scope?: Partial<MappingScope> & { secretArn?: (id: string) => string | undefined };
}

export interface IamServiceOptions {
  /** iam-decisions.jsonl is appended here. */
  readonly stateDirectory: string;
  /** false: every signed request is allowed and nothing is evaluated (the runtime as it was). @default true */
  readonly enforce?: boolean;
}

const CACHE_LIMIT = 20_000;

/**
 * IAM for the local runtime: every AWS::IAM::Role of the template with its identity policies (inline Policies,
 * AWS::IAM::Policy, customer managed AWS::IAM::ManagedPolicy), and the resource policies the template declares
 * (AWS::SQS::QueuePolicy, KMS key policies, a DynamoDB table's ResourcePolicy). Each function runs with its own access key standing for its role's
 * session; every request a local endpoint receives is authorized against those policies by @cloud-copilot/iam-simulate
 * (AWS's evaluation logic: explicit deny, NotAction/NotResource, wildcards, condition keys), and refused with the
 * service's AccessDeniedException. The administrator key (localCredentials: tests, seeding, the runtime's own
 * clients) is allowed everything, as an account administrator is. A state machine's Task states invoke their functions
 * with its role (authorizeStateMachineInvoke); cognito-local invokes triggers with the administrator key (AWS checks
 * the functions' resource policies for the Cognito service principal, which is not played).
 *
 * Local choices: requests arrive over loopback HTTP, which stands for AWS's TLS endpoints, so aws:SecureTransport is
 * true. Implied KMS calls are checked where AWS makes them with the caller's credentials: kms:GenerateDataKey and
 * kms:Decrypt for SendMessage and kms:Decrypt for ReceiveMessage on a queue with a customer managed key, kms:Decrypt
 * for GetSecretValue and kms:GenerateDataKey for PutSecretValue on a secret with one (kms:ViaService and the service's
 * encryption context set). DynamoDB is not: it uses grants it creates on the key when the table is created, so a
 * caller needs no KMS permission of its own. AWS managed policies (by ARN) are not known locally and grant nothing.
 */
export class IamService implements LocalService {
  readonly name = 'IAM';
  readonly resourceTypes = ['AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::KMS::Key', 'AWS::SQS::QueuePolicy'] as const;
  private enforce: boolean;
  private readonly identities = new Map<string, Identity>();
  private readonly rolePolicies = new Map<string, Array<{ name: string; policy: PolicyDocument }>>();
  private readonly keptGrants = new Map<string, KeptGrant[]>();
  private readonly resourcePolicies = new Map<string, PolicyDocument>();
  private readonly queueKeys = new Map<string, string>();
  private readonly secretKeys = new Map<string, string>();
  private readonly partitionKeys = new Map<string, string>();
  private readonly cache = new Map<string, Omit<IamDecision, 'time' | 'function' | 'principal' | 'context'>>();
  /** The condition keys each role's policies test, by role name (conditionKeysTested). */
  private readonly testedKeys = new Map<string, ReadonlySet<string>>();
  private log?: WriteStream;
  private assembly?: CloudAssembly;
  private decisions = 0;
  /** Requests authorized while enforcing, the time spent on them, and the policy evaluations (cache misses) among them. */
  private readonly work = { requests: 0, milliseconds: 0, evaluations: 0 };
  private denials = 0;

  constructor(private readonly options: IamServiceOptions) {
    this.enforce = options.enforce ?? true;
  }

  get enforcing(): boolean {
    return this.enforce;
  }

  /** Turns enforcement on or off in a running runtime: bench:checkout measures the same load both ways. */
  set enforcing(on: boolean) {
    this.enforce = on;
  }

  /** The decision log of this run. */
  get decisionLogFile(): string {
    return path.join(this.options.stateDirectory, 'iam-decisions.jsonl');
  }

  async start(): Promise<void> {
    mkdirSync(this.options.stateDirectory, { recursive: true });
    this.log = createWriteStream(this.decisionLogFile, { flags: 'w' });
  }

  /** The template whose tables, queues and secrets the mapping needs (partition keys, encryption keys). */
  useAssembly(assembly: CloudAssembly): void {
    this.assembly = assembly;
  }

  physical(resource: TemplateResource): ResolvedResource {
    const p = resource.properties;
    switch (resource.type) {
      case 'AWS::IAM::Role': {
        const name = typeof p.RoleName === 'string' ? p.RoleName : generatedName(resource, 64);
        const rolePath = typeof p.Path === 'string' ? p.Path : '/';
        return { ref: name, attributes: { Arn: `arn:aws:iam::${LOCAL_ACCOUNT}:role${rolePath}${name}`, RoleId: `AROA${digest(name, 17)}` } };
      }
      case 'AWS::IAM::ManagedPolicy': {
        const name = typeof p.ManagedPolicyName === 'string' ? p.ManagedPolicyName : generatedName(resource, 128);
        const arn = `arn:aws:iam::${LOCAL_ACCOUNT}:policy/${name}`;
        return { ref: arn, attributes: { PolicyArn: arn } };
      }
      case 'AWS::KMS::Key': {
        const id = uuidFrom(`${resource.stackName}/${resource.logicalId}`);
        return { ref: id, attributes: { Arn: `arn:aws:kms:${LOCAL_REGION}:${LOCAL_ACCOUNT}:key/${id}`, KeyId: id } };
      }
      default:
        return { ref: resource.logicalId, attributes: {} };
    }
  }

  async provision(resources: readonly TemplateResource[], resolver: IntrinsicResolver): Promise<void> {
    const resolved = (r: TemplateResource) => resolver.resolve(r.properties, r.stackName) as Record<string, unknown>;
    const managed = new Map<string, PolicyDocument>();
    for (const r of resources.filter((x) => x.type === 'AWS::IAM::ManagedPolicy')) {
      const p = resolved(r);
      const arn = this.physical(r).ref;
      managed.set(arn, p.PolicyDocument as PolicyDocument);
      const kept = (resolver.resolve(r.metadata[KEPT_GRANTS_METADATA] ?? [], r.stackName) as KeptGrant[]) ?? [];
      for (const role of (p.Roles as string[] | undefined) ?? []) {
        this.attach(role, arn, p.PolicyDocument as PolicyDocument);
        if (kept.length > 0) this.keptGrants.set(role, [...(this.keptGrants.get(role) ?? []), ...kept]);
      }
    }
    for (const r of resources.filter((x) => x.type === 'AWS::IAM::Policy')) {
      const p = resolved(r);
      for (const role of (p.Roles as string[] | undefined) ?? []) this.attach(role, String(p.PolicyName ?? r.logicalId), p.PolicyDocument as PolicyDocument);
    }
    for (const r of resources.filter((x) => x.type === 'AWS::IAM::Role')) {
      const p = resolved(r);
      const name = this.physical(r).ref;
      for (const inline of (p.Policies as Array<{ PolicyName: string; PolicyDocument: PolicyDocument }> | undefined) ?? [])
        this.attach(name, inline.PolicyName, inline.PolicyDocument);
      for (const arn of (p.ManagedPolicyArns as string[] | undefined) ?? []) {
        const document = managed.get(arn);
        if (document) this.attach(name, arn, document);
      }
      this.rolePolicies.set(name, this.rolePolicies.get(name) ?? []);
    }
    for (const r of resources.filter((x) => x.type === 'AWS::KMS::Key')) {
      const p = resolved(r);
      this.resourcePolicies.set(this.physical(r).attributes.Arn ?? '', withStandInKeys(p.KeyPolicy as PolicyDocument));
    }
    for (const r of resources.filter((x) => x.type === 'AWS::SQS::QueuePolicy')) {
      const p = resolved(r);
      for (const url of (p.Queues as string[] | undefined) ?? []) {
        const arn = sqsQueueArn(url.replace(/\/+$/, '').split('/').pop() ?? url, { region: LOCAL_REGION, account: LOCAL_ACCOUNT });
        const existing = this.resourcePolicies.get(arn);
        const document = p.PolicyDocument as PolicyDocument;
        this.resourcePolicies.set(arn, existing ? { ...existing, Statement: [...existing.Statement, ...document.Statement] } : document);
      }
    }
    this.readEncryptionAndKeys(resolver);
    this.testedKeys.clear();
  }

  /** The credentials of a function's execution environment, from its logical id; registers its role session. */
  credentialsFor(fn: { logicalId: string; functionName: string; roleArn: string }): FunctionCredentials {
    const accessKeyId = `ASIA${digest(`stockade-local-function:${fn.logicalId}`, 16)}`;
    const roleName = fn.roleArn.split('/').pop() ?? fn.roleArn;
    this.identities.set(accessKeyId, {
      functionName: fn.functionName,
      roleArn: fn.roleArn,
      principal: `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${roleName}/${fn.functionName}`,
    });
    return {
      accessKeyId,
      secretAccessKey: createHash('sha256').update(`stockade-local-secret:${fn.logicalId}`).digest('base64').slice(0, 40),
      sessionToken: Buffer.from(`stockade-local-session:${fn.functionName}`).toString('base64'),
    };
  }

  /**
   * Authorizes an invocation a state machine makes with its role (a Task state's lambda:InvokeFunction, in process);
   * resolves with AWS's refusal message, or undefined when allowed.
   */
  async authorizeStateMachineInvoke(machine: { name: string; roleArn: string }, functionName: string): Promise<string | undefined> {
    if (!this.enforce) return undefined;
    const roleName = machine.roleArn.split('/').pop() ?? machine.roleArn;
    const identity: Identity = {
      functionName: `states:${machine.name}`,
      roleArn: machine.roleArn,
      principal: `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${roleName}/${machine.name}`,
    };
    const [check] = lambdaChecks(
      { path: `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`, body: {} },
      { region: LOCAL_REGION, account: LOCAL_ACCOUNT },
    );
    if (!check) return undefined;
    const decision = await this.decide(identity, check);
    if (decision.decision === 'allow') return undefined;
    return `User: ${identity.principal} is not authorized to perform: ${check.action} on resource: ${check.resource} because no identity-based policy allows the ${check.action} action`;
  }

  /**
   * Authorizes one request to a local endpoint; undefined when it may proceed, else the service's refusal. Requests
   * without a signature pass (Cognito's public operations; the services themselves refuse what needs one).
   */
  async authorize(input: AuthorizeInput): Promise<Refusal | undefined> {
    if (!this.enforce) return undefined;
    const started = performance.now();
    try {
      return await this.authorizeEnforced(input);
    } finally {
      this.work.requests += 1;
      this.work.milliseconds += performance.now() - started;
    }
  }

  private async authorizeEnforced(input: AuthorizeInput): Promise<Refusal | undefined> {
    const authorization = input.headers.authorization;
    const accessKeyId = accessKeyIdOf(Array.isArray(authorization) ? authorization[0] : authorization);
    if (!accessKeyId || accessKeyId === localCredentials.accessKeyId) return undefined;
    const identity = this.identities.get(accessKeyId);
    if (!identity) {
      return refusal(input.service, 'UnrecognizedClientException', 'The security token included in the request is invalid.', 400);
    }
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(input.body.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return undefined; // The service itself answers a body it cannot parse.
    }
    const target = input.headers['x-amz-target'];
    const request: ApiRequest = { target: Array.isArray(target) ? target[0] : target, path: input.path, body };
    const scope = { region: LOCAL_REGION, account: LOCAL_ACCOUNT, partitionKey: (t: string, i?: string) => this.partitionKey(t, i), ...input.scope };
    const checks = [...checksFor(input.service, request, scope)];
    checks.push(...this.impliedKmsChecks(input.service, checks));
    for (const check of checks) {
      const decision = await this.decide(identity, check);
      if (decision.decision === 'deny') {
        const why =
          decision.result === 'ExplicitlyDenied'
            ? `with an explicit deny in ${decision.statement?.policyType === 'resource' ? 'a resource-based' : 'an identity-based'} policy`
            : `because no identity-based policy allows the ${check.action} action`;
        return refusal(
          input.service,
          'AccessDeniedException',
          `User: ${identity.principal} is not authorized to perform: ${check.action} on resource: ${check.resource} ${why}`,
        );
      }
    }
    return undefined;
  }

  /** Evaluates one check for a role session, appends the decision to the log and returns it. */
  async decide(identity: Identity, check: IamCheck): Promise<IamDecision> {
    const context: Record<string, string | string[]> = {
      'aws:SecureTransport': 'true',
      'aws:PrincipalArn': identity.roleArn,
      'aws:PrincipalAccount': LOCAL_ACCOUNT,
      'aws:RequestedRegion': LOCAL_REGION,
      ...check.context,
    };
    // Request values no policy tests (most LeadingKeys: order ids) cannot change a decision; leaving them out of the
    // cache key lets one evaluation serve every order instead of one per order.
    const tested = this.conditionKeysTested(identity.roleArn.split('/').pop() ?? '', check.resource);
    const decisive = Object.entries(check.context).filter(([name]) => tested.has(standInKey(name).toLowerCase()));
    const key = `${identity.roleArn}|${check.action}|${check.resource}|${JSON.stringify(decisive)}`;
    let outcome = this.cache.get(key);
    if (!outcome) {
      this.work.evaluations += 1;
      outcome = await this.evaluate(identity, check, context);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, outcome);
    }
    const decision: IamDecision = {
      time: new Date().toISOString(),
      function: identity.functionName,
      principal: identity.principal,
      ...outcome,
      context: check.context,
    };
    this.decisions += 1;
    if (decision.decision === 'deny') this.denials += 1;
    this.log?.write(`${JSON.stringify(decision)}\n`);
    return decision;
  }

  sdkEnvironment(): Record<string, string> {
    return {};
  }

  describe(): string[] {
    return [
      this.enforce
        ? `${this.name.padEnd(16)} enforced: ${this.identities.size} function sessions, ${this.rolePolicies.size} roles; decisions in ${this.decisionLogFile}`
        : `${this.name.padEnd(16)} not enforced (STOCKADE_IAM=off)`,
    ];
  }

  /** Where writePolicies puts each function's role and policies (npm run iam:report reads it). */
  get policyFile(): string {
    return path.join(this.options.stateDirectory, 'iam-policies.json');
  }

  /** Writes each function's role and identity policies, as resolved for this run, beside the decision log. */
  writePolicies(): void {
    const functions: PolicySnapshot['functions'] = {};
    for (const identity of this.identities.values()) {
      const roleName = identity.roleArn.split('/').pop() ?? '';
      const kept = this.keptGrants.get(roleName);
      functions[identity.functionName] = { roleArn: identity.roleArn, policies: this.rolePolicies.get(roleName) ?? [], ...(kept ? { kept } : {}) };
    }
    writeFileSync(this.policyFile, `${JSON.stringify({ functions } satisfies PolicySnapshot, null, 2)}\n`);
  }

  /** Decisions so far (allowed and denied). */
  /** What authorizing has cost so far: requests, milliseconds spent in authorize, policy evaluations (bench:checkout). */
  cost(): { requests: number; milliseconds: number; evaluations: number } {
    return { ...this.work };
  }

  counts(): { decisions: number; denials: number } {
    return { decisions: this.decisions, denials: this.denials };
  }

  async stop(): Promise<void> {
    const log = this.log;
    this.log = undefined;
    if (log) await new Promise<void>((resolve) => log.end(resolve));
  }

  private attach(roleName: string, name: string, policy: PolicyDocument): void {
    const list = this.rolePolicies.get(roleName) ?? [];
    list.push({ name, policy: withStandInKeys(policy) });
    this.rolePolicies.set(roleName, list);
    this.testedKeys.delete(roleName);
  }

  /**
   * The condition keys (lower case) that could decide a request of this role on this resource: those its own
   * policies test, and those the resource's policy tests.
   */
  private conditionKeysTested(roleName: string, resource: string): ReadonlySet<string> {
    let own = this.testedKeys.get(roleName);
    if (!own) {
      own = conditionKeysOf((this.rolePolicies.get(roleName) ?? []).map((p) => p.policy));
      this.testedKeys.set(roleName, own);
    }
    const resourcePolicy = this.resourcePolicies.get(resource);
    return resourcePolicy ? new Set([...own, ...conditionKeysOf([resourcePolicy])]) : own;
  }

  private async evaluate(
    identity: Identity,
    check: IamCheck,
    context: Record<string, string | string[]>,
  ): Promise<Omit<IamDecision, 'time' | 'function' | 'principal' | 'context'>> {
    const roleName = identity.roleArn.split('/').pop() ?? '';
    const simulation: Simulation = {
      request: {
        principal: identity.principal,
        action: check.action,
        resource: { resource: check.resource, accountId: LOCAL_ACCOUNT },
        contextVariables: Object.fromEntries(Object.entries(context).map(([k, v]) => [standInKey(k), v])),
      },
      identityPolicies: this.rolePolicies.get(roleName) ?? [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: this.resourcePolicies.get(check.resource),
    };
    const base = { action: check.action, resource: check.resource };
    if (check.action.startsWith('states:SendTask') && check.resource !== '*') {
      // Wildcard-only in the reference data, authorized on the token's state machine by AWS (request-mapping.ts).
      const result = runUnsafeSimulation(simulation, {});
      return { ...base, decision: result === 'Allowed' ? 'allow' : 'deny', result };
    }
    const response = await runSimulation(simulation, {});
    if (response.resultType === 'error') return { ...base, decision: 'deny', result: `SimulationError: ${response.errors.message}` };
    const analysis = response.resultType === 'single' ? response.result.analysis : response.results[0]?.analysis;
    const result = response.overallResult;
    if (result === 'Allowed') {
      const grant = analysis ? getGrantReasons(analysis)[0] : undefined;
      return {
        ...base,
        decision: 'allow',
        result,
        ...(grant
          ? {
              statement: {
                policyType: grant.policyType,
                policy: 'policyIdentifier' in grant ? grant.policyIdentifier : undefined,
                sid: grant.statementId,
                index: grant.statementIndex,
              },
            }
          : {}),
      };
    }
    const denial = analysis ? getDenialReasons(analysis).find((d) => d.denialType === 'Explicit') : undefined;
    return {
      ...base,
      decision: 'deny',
      result,
      ...(denial && denial.denialType === 'Explicit'
        ? { statement: { policyType: denial.policyType, policy: denial.policyIdentifier, sid: denial.statementId, index: denial.statementIndex } }
        : {}),
    };
  }

  /** The KMS calls AWS makes with the caller's credentials for these checks (see the class comment). */
  private impliedKmsChecks(service: IamServiceName, checks: IamCheck[]): IamCheck[] {
    const implied: IamCheck[] = [];
    for (const check of checks) {
      if (service === 'sqs') {
        const key = this.queueKeys.get(check.resource);
        if (!key) continue;
        const context = {
          'kms:ViaService': `sqs.${LOCAL_REGION}.amazonaws.com`,
          'kms:CallerAccount': LOCAL_ACCOUNT,
          'kms:EncryptionContext:aws:sqs:arn': check.resource,
        };
        if (check.action === 'sqs:SendMessage')
          implied.push({ action: 'kms:GenerateDataKey', resource: key, context }, { action: 'kms:Decrypt', resource: key, context });
        if (check.action === 'sqs:ReceiveMessage') implied.push({ action: 'kms:Decrypt', resource: key, context });
      }
      if (service === 'secretsmanager') {
        const key = this.secretKeys.get(check.resource);
        if (!key) continue;
        const context = {
          'kms:ViaService': `secretsmanager.${LOCAL_REGION}.amazonaws.com`,
          'kms:CallerAccount': LOCAL_ACCOUNT,
          'kms:EncryptionContext:SecretARN': check.resource,
        };
        if (check.action === 'secretsmanager:GetSecretValue') implied.push({ action: 'kms:Decrypt', resource: key, context });
        if (check.action === 'secretsmanager:PutSecretValue') implied.push({ action: 'kms:GenerateDataKey', resource: key, context });
      }
    }
    return implied;
  }

  private partitionKey(table: string, index?: string): string | undefined {
    return this.partitionKeys.get(`${table}/${index ?? ''}`);
  }

  /** Partition keys of every table and index, and each table's resource policy; the customer managed key of every queue and secret. */
  private readEncryptionAndKeys(resolver: IntrinsicResolver): void {
    const assembly = this.assembly;
    if (!assembly) return;
    const keyArns = new Set(assembly.resourcesOfType('AWS::KMS::Key').map((k) => this.physical(k).attributes.Arn));
    const customerKey = (value: unknown): string | undefined => {
      const id = typeof value === 'string' ? value : undefined;
      if (!id) return undefined;
      if (keyArns.has(id)) return id;
      return [...keyArns].find((arn) => arn?.endsWith(`/${id}`));
    };
    for (const t of assembly.resourcesOfType('AWS::DynamoDB::Table')) {
      const name = resolver.resolveString({ Ref: t.logicalId }, t.stackName);
      // The table's resource policy (the audit table's deny of every change but a put), evaluated beside the caller's own.
      if (t.properties.ResourcePolicy) {
        const policy = (resolver.resolve(t.properties.ResourcePolicy, t.stackName) as { PolicyDocument?: PolicyDocument }).PolicyDocument;
        if (policy) this.resourcePolicies.set(`arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${name}`, withStandInKeys(policy));
      }
      const hash = (schema: unknown) =>
        (schema as Array<{ AttributeName: string; KeyType: string }> | undefined)?.find((k) => k.KeyType === 'HASH')?.AttributeName;
      const tableKey = hash(t.properties.KeySchema);
      if (tableKey) this.partitionKeys.set(`${name}/`, tableKey);
      for (const g of (t.properties.GlobalSecondaryIndexes as Array<{ IndexName: string; KeySchema: unknown }> | undefined) ?? []) {
        const indexKey = hash(g.KeySchema);
        if (indexKey) this.partitionKeys.set(`${name}/${g.IndexName}`, indexKey);
      }
      for (const l of (t.properties.LocalSecondaryIndexes as Array<{ IndexName: string }> | undefined) ?? []) {
        if (tableKey) this.partitionKeys.set(`${name}/${l.IndexName}`, tableKey);
      }
    }
    for (const q of assembly.resourcesOfType('AWS::SQS::Queue')) {
      const key = customerKey(resolver.resolve(q.properties.KmsMasterKeyId, q.stackName));
      if (key) this.queueKeys.set(resolver.resolveString({ 'Fn::GetAtt': [q.logicalId, 'Arn'] }, q.stackName), key);
    }
    for (const s of assembly.resourcesOfType('AWS::SecretsManager::Secret')) {
      const key = customerKey(resolver.resolve(s.properties.KmsKeyId, s.stackName));
      if (key) this.secretKeys.set(resolver.resolveString({ Ref: s.logicalId }, s.stackName), key);
    }
  }
}

/**
 * iam-simulate 0.1.173 knows condition keys with a variable part only in the `prefix/<name>` form (tags), so it drops
 * kms:EncryptionContext:<name> from a request and such a condition never matches. Policies and requests name it by a
 * stand-in it does evaluate with the same operators (a global aws:RequestTag/<name> key no Stockade policy uses).
 */
/** Every condition key the statements of these policies test, lower case (as IAM compares them). */
function conditionKeysOf(policies: readonly PolicyDocument[]): ReadonlySet<string> {
  const keys = new Set<string>();
  for (const policy of policies) {
    for (const statement of [policy.Statement].flat() as Array<{ Condition?: Record<string, Record<string, unknown> | undefined> }>) {
      for (const operator of Object.values(statement.Condition ?? {})) for (const name of Object.keys(operator ?? {})) keys.add(name.toLowerCase());
    }
  }
  return keys;
}

function standInKey(key: string): string {
  const match = /^kms:EncryptionContext:(.+)$/i.exec(key);
  return match ? `aws:RequestTag/stockade-kms-encryption-context:${match[1]}` : key;
}

function withStandInKeys(policy: PolicyDocument): PolicyDocument {
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  return {
    ...policy,
    Statement: statements.map((raw) => {
      const statement = raw as { Condition?: Record<string, Record<string, unknown>> };
      if (!statement.Condition) return raw;
      const condition = Object.fromEntries(
        Object.entries(statement.Condition).map(([operator, keys]) => [operator, Object.fromEntries(Object.entries(keys).map(([k, v]) => [standInKey(k), v]))]),
      );
      return { ...statement, Condition: condition };
    }),
  };
}

/** The error a JSON-protocol service (or Lambda's REST API) answers. */
function refusal(service: IamServiceName, type: string, message: string, status = 400): Refusal {
  if (service === 'lambda') {
    const body = JSON.stringify({ Type: 'User', Message: message });
    return { status: type === 'AccessDeniedException' ? 403 : status, headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type }, body };
  }
  // DynamoDB and SQS name errors with the coral namespace; the SDKs read the part after '#'.
  const namespaced = service === 'dynamodb' || service === 'sqs' ? `com.amazon.coral.service#${type}` : type;
  const contentType =
    service === 'dynamodb' || service === 'sqs' || service === 'states' || service === 'cloudwatch'
      ? 'application/x-amz-json-1.0'
      : 'application/x-amz-json-1.1';
  return { status, headers: { 'Content-Type': contentType, 'x-amzn-ErrorType': type }, body: JSON.stringify({ __type: namespaced, message }) };
}

function digest(text: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...createHash('sha256').update(text).digest()]
    .slice(0, length)
    .map((b) => alphabet[b % 32])
    .join('');
}

function uuidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
