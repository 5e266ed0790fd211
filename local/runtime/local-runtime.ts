import { DocsServer } from './docs-server';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PROVIDER_ID_TAG, SECRET_KIND_TAG, type SecretKind } from '../../lib/config/tags';
import { parseInventoryHmacSecret } from '../../shared/domain/inventory/hmac-secrets';
import { readRestApis } from '../aws/apigw/rest-api-model';
import { RestApiServer } from '../aws/apigw/rest-api-server';
import { WebAcl } from '../aws/waf/web-acl';
import { readWebAcl } from '../aws/waf/web-acl-model';
import { CloudAssembly, type TemplateResource } from './assembly';
import { IntrinsicResolver, LOCAL_REGION } from './intrinsics';
import { lambdaAuthorizer } from '../aws/apigw/lambda-authorizer';
import { seedDemoCatalog } from '../demo/catalog';
import { seedDemoAddress } from '../demo/demo-address';
import { type DemoUsers, seedDemoUsers } from '../demo/demo-users';
import { LambdaInvokeServer } from '../aws/lambda/invoke-server';
import { CognitoService } from '../aws/cognito/cognito';
import { LambdaService } from '../aws/lambda/lambda-service';
import { SqsEventSourceService } from '../aws/lambda/sqs-event-source';
import { DynamoDbService } from '../aws/dynamodb/dynamodb';
import { IamService } from '../aws/iam/iam';
import type { RequestAuthorizer } from '../aws/iam/authorizing-proxy';
import { localCredentials } from '../aws/credentials';
import { SecretsManagerService } from '../aws/secrets-manager/secrets-manager';
import { SsmService } from '../aws/ssm/ssm';
import type { LocalService } from '../aws/service';
import { SqsService } from '../aws/sqs/sqs';
import { StepFunctionsService } from '../aws/step-functions/step-functions';
import { FulfilmentStandIn } from '../partners/fulfilment/fulfilment-stand-in';
import { InventoryProviderStandIn } from '../partners/inventory-provider/inventory-provider-stand-in';
import { ScheduleService } from '../aws/eventbridge/schedules';
import { StripeStandIn } from '../partners/stripe/stripe-stand-in';
import { localSecretValue } from './local-values';
import { usePidFile } from './process';
import { ENV } from '../../shared/config/env-names';
import { STRIPE_WEBHOOK_EVENTS } from '../../shared/domain/payments/receive-webhook';
import { CloudWatchService } from '../aws/cloudwatch/cloudwatch';
import type { Datapoint } from '../aws/cloudwatch/metric-store';
import { SnsService } from '../aws/sns/sns';
import { PagerStandIn } from '../partners/pager/pager-stand-in';

export interface LocalRuntimeOptions {
  /** The synthesized cloud assembly directory. */
  readonly cdkOut: string;
  readonly stage: string;
  /** Where endpoints.json and function logs go. @default .stockade */
  readonly stateDirectory: string;
  /** @default 0 (a free port) */
  readonly apiPort?: number;
  /** Print function output on stderr as well as to its log file. @default false */
  readonly echoLogs?: boolean;
  /** Seed the demo catalog through the API. @default true */
  readonly seedDemoData?: boolean;
  /** Authorize every call a function makes with its role's policies (local/aws/iam). @default true, unless STOCKADE_IAM=off */
  readonly iam?: boolean;
  /** Play the stage's API throttle (429 once its token bucket is empty). @default true */
  readonly throttle?: boolean;
  /** Play the web ACL's rate-based rules (its other rules are always played). @default true */
  readonly wafRateRules?: boolean;
  /**
   * Multiplies the evaluation window of the web ACL's rate-based rules (5 minutes by default), so that a test can
   * watch one pass. @default STOCKADE_WAF_WINDOW_SCALE, else 1
   */
  readonly wafWindowScale?: number;
  /**
   * Resolves once `cdkOut` holds the assembly (e.g. a synthesis still running): the emulators that do not depend on
   * the template (DynamoDB Local's JVM, SQS) start meanwhile. @default already there
   */
  readonly assemblyReady?: Promise<unknown>;
  /**
   * How long one period of any alarm lasts locally, in seconds, so that a test sees alarms fire and clear in seconds.
   * @default STOCKADE_ALARM_PERIOD_SECONDS, else each alarm's own Period
   */
  readonly alarmPeriodSeconds?: number;
}

/** Where the start-up time went, in milliseconds, for the `npm start` banner. */
export interface StartupTimings {
  /** Starting and provisioning every emulator and stand-in, from the template (time spent waiting for it excluded). */
  readonly emulators: number;
  /** Demo users and the demo catalog. */
  readonly seeding: number;
}

/** Written to .stockade/endpoints.json; its shape is part of the API contract. */
export interface Endpoints {
  apiUrl: string;
  /** The API reference page (docs/api/index.html), served at /docs. */
  docsUrl?: string;
  region: string;
  /** Sign in here with the real Cognito API (USER_PASSWORD_AUTH, then SOFTWARE_TOKEN_MFA where enrolled). */
  cognito?: { endpoint: string; userPoolId: string; clientId: string; localDataDirectory: string };
  /** Demo users seeded at start; passwords and TOTP secrets are random per run. */
  users?: DemoUsers;
  /** The Stripe stand-in: `new Stripe(apiKey, { host, port, protocol })`; webhooks are signed with webhookSecret. */
  stripe?: { host: string; port: number; protocol: 'http'; apiKey: string; webhookSecret: string };
  /** Local AWS endpoints for tools and tests that use the real SDK clients; `credentials` are the administrator's. */
  aws: {
    dynamodb: string;
    sqs: string;
    secretsManager: string;
    lambda: string;
    stepFunctions: string;
    /** The template's alarms (DescribeAlarms, DescribeAlarmHistory, GetMetricData...; AWS JSON 1.0). */
    cloudWatch?: string;
    /** SSM Parameter Store: the mitigation switches' parameters (GetParameter, PutParameter...; AWS JSON 1.1). */
    ssm?: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /**
   * The stand-in pager that the alarm topics' HTTP(S) subscriptions deliver to (GET /notifications), the file their
   * e-mail subscriptions are appended to, and how long one alarm period lasts locally (seconds; absent: as the template).
   */
  alarms?: { pagerUrl: string; emailFile: string; periodSeconds?: number };
  /** Each function's role session, by function name: act as the function with these (IAM applies its role's policies). */
  functions: Record<string, { roleArn: string; accessKeyId: string; secretAccessKey: string; sessionToken: string }>;
  /** Whether IAM is enforced, and where each decision is appended (JSON lines). */
  iam: { enforced: boolean; decisionLog: string };
  tables: Record<string, string>;
  queues: Record<string, string>;
  /** Each provider's current HMAC secret (the `current` field of its secret's JSON value when the runtime started). */
  inventoryProviders: Record<string, { secret: string }>;
  /** The fulfilment provider stand-in (GET /shipments lists accepted orders, with the bearer key). */
  fulfilment?: { url: string; apiKey: string };
  /**
   * The inventory provider stand-in: every provider of the stage at `<url>/<providerId>/` (POST sales, GET stock),
   * controlled under `<url>/_stand-in/<providerId>/` (mode, sales, stock, push). test/support/inventory-provider.ts.
   */
  inventoryStandIn?: { url: string };
  /** State machines by logical id (ARNs for the real @aws-sdk/client-sfn). */
  stateMachines: Record<string, string>;
}

/** CloudFormation types whose settings are asserted on the template (test/infra) rather than played locally. */
export const TEMPLATE_ONLY_TYPES = new Set([
  'AWS::KMS::Key',
  'AWS::KMS::Alias',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  // The DeployAccess stack's GitHub OIDC provider: CI's way into an account, nothing a function calls.
  'AWS::IAM::OIDCProvider',
  'AWS::Logs::LogGroup',
  'AWS::WAFv2::WebACLAssociation',
  'AWS::WAFv2::LoggingConfiguration',
  'AWS::CloudWatch::Dashboard',
  'AWS::SNS::TopicPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::Lambda::Permission',
  // Releases: CodeDeploy shifts a live alias only in AWS; locally the alias points at the one bundle there is.
  'AWS::CodeDeploy::Application',
  'AWS::CodeDeploy::DeploymentGroup',
  'AWS::ApiGateway::Account',
  'AWS::ApiGateway::Deployment',
  'AWS::ApiGateway::Stage',
  'AWS::CDK::Metadata',
  // Staging's and prod's synthetic canary runs against a deployed API; locally, npm run smoke is that canary.
  'AWS::Synthetics::Canary',
  'AWS::S3::Bucket',
  'AWS::S3::BucketPolicy',
]);

/**
 * The cloud, played on one machine from the synthesized template: every table, queue, secret and function the
 * template declares, and its REST API, on 127.0.0.1. Nothing here is a second list of resources.
 */
export class LocalRuntime {
  private constructor(
    readonly assembly: CloudAssembly,
    readonly services: RuntimeServices,
    readonly api: RestApiServer,
    readonly endpoints: Endpoints,
    private readonly started: Array<{ stop(): Promise<void> }>,
    /** Demo products seeded at start. */
    readonly demoProducts: number = 0,
    readonly timings: StartupTimings = { emulators: 0, seeding: 0 },
  ) {}

  static async start(options: LocalRuntimeOptions): Promise<LocalRuntime> {
    const wafWindowScale = options.wafWindowScale ?? wafWindowScaleFromEnv();
    const alarmPeriodSeconds = options.alarmPeriodSeconds ?? alarmPeriodSecondsFromEnv();
    usePidFile(path.join(options.stateDirectory, 'pids.json'));
    const started: Array<{ stop(): Promise<void> }> = [];
    const stopAll = async () => {
      for (const s of started.reverse()) await s.stop().catch(() => undefined);
    };
    let clock = performance.now();
    const iam = new IamService({ stateDirectory: options.stateDirectory, enforce: options.iam ?? process.env.STOCKADE_IAM !== 'off' });
    await iam.start();
    started.push(iam);
    const authorize: RequestAuthorizer = (input) => iam.authorize(input);
    const dynamodb = new DynamoDbService({ authorize });
    const sqs = new SqsService({ authorize });
    // The JVM of DynamoDB Local takes seconds to start: it and SQS need nothing from the template, so they start
    // while the assembly is still being synthesized.
    const early = new Map<LocalService, Promise<void>>(
      [dynamodb, sqs].map((s) => [s, s.start().then(() => void started.push(s))] as [LocalService, Promise<void>]),
    );
    // Awaited below; until then a failed start must not count as an unhandled rejection.
    for (const starting of early.values()) starting.catch(() => undefined);
    try {
      if (options.assemblyReady) {
        const waiting = performance.now();
        await options.assemblyReady;
        clock += performance.now() - waiting;
      }
      const assembly = CloudAssembly.load(options.cdkOut, options.stage);
      iam.useAssembly(assembly);
      // RotateSecret runs the rotation function's steps through the Lambda service, as Secrets Manager invokes Lambda.
      const secrets = new SecretsManagerService(localSecretValue, { invoke: (arn, event) => lambdas.byName(arn).invoke(event), authorize });
      const ssm = new SsmService({ authorize });
      // References resolve lazily through the service that owns each resource type, filled in below.
      const owner = new Map<string, LocalService>();
      const resolver = new IntrinsicResolver(assembly, (r: TemplateResource) => owner.get(r.type)?.physical(r));
      // Alarms: CloudWatch evaluates the template's alarms on what the runtime observes and publishes their state
      // changes to the template's topics, whose HTTP(S) subscribers the pager stands in for.
      const pager = new PagerStandIn();
      const sns = new SnsService({ pagerUrl: () => pager.url, emailFile: path.join(options.stateDirectory, 'alarm-emails.jsonl') });
      const cloudWatch = new CloudWatchService({
        publish: (topicArn, message, subject) => sns.publish(topicArn, message, subject),
        authorize,
        ...(alarmPeriodSeconds !== undefined ? { periodSeconds: alarmPeriodSeconds } : {}),
        sample: () => queueDatapoints(sqs.queueSamples()),
      });
      const lambdas: LambdaService = new LambdaService({
        assembly,
        observer: cloudWatch.lambdaObserver,
        logDirectory: path.join(options.stateDirectory, 'logs'),
        // Outside services are redirected to their stand-ins the way AWS endpoints are: by environment.
        sdkEnvironment: (): Record<string, string> =>
          Object.assign({}, ...dataServices.map((s) => s.sdkEnvironment()), {
            AWS_ENDPOINT_URL_LAMBDA: invoke.endpoint,
            [ENV.STOCKADE_STRIPE_API_URL]: stripe.endpoint,
            [ENV.FULFILMENT_API_URL]: fulfilment.url,
            [ENV.STOCKADE_INVENTORY_API_URL]: inventory.url,
          }) as Record<string, string>,
        echoLogs: options.echoLogs,
        credentials: (fn) => iam.credentialsFor(fn),
      });
      const invoke: LambdaInvokeServer = new LambdaInvokeServer(lambdas, authorize);
      const cognito = new CognitoService({
        assembly,
        workDirectory: mkdtempSync(path.join(tmpdir(), 'stockade-cognito-')),
        resolver: () => resolver,
        lambdaEndpoint: () => invoke.endpoint,
        invoke: (arn, event) => lambdas.byName(arn).invoke(event),
        authorize,
      });
      const stepFunctions = new StepFunctionsService({
        invoke: (name, event) => lambdas.byName(name).invoke(event),
        authorize,
        authorizeInvoke: (machine, functionName) => iam.authorizeStateMachineInvoke(machine, functionName),
        observe: (arn, status) => cloudWatch.execution(arn, status),
      });
      const stripe = new StripeStandIn();
      const fulfilment = new FulfilmentStandIn();
      const inventory = new InventoryProviderStandIn({
        secretValue: (providerId) => inventorySecretValue(secrets, providerId),
        graceHours: inventoryGraceHours(assembly),
      });
      const dataServices: LocalService[] = [dynamodb, sqs, secrets, ssm, cognito, stepFunctions];
      for (const s of [...dataServices, lambdas, iam, cloudWatch, sns]) for (const t of s.resourceTypes) owner.set(t, s);

      await lambdas.start();
      started.push(lambdas);
      await invoke.start();
      started.push(invoke);
      await Promise.all(dataServices.map(async (s) => early.get(s) ?? (await s.start(), started.push(s))));
      await Promise.all([...dataServices, iam].map((s) => s.provision(resourcesFor(assembly, s), resolver)));

      // Stripe and the fulfilment provider are outside AWS: their stand-ins use the keys the template's secrets
      // hold locally, and start before the functions, whose environment points at them.
      await stripe.start();
      started.push(stripe);
      const stripeKeys = stripeKeysFrom(secrets);
      if (stripeKeys) stripe.configure(stripeKeys);
      await fulfilment.start();
      started.push(fulfilment);
      const fulfilmentKey = secretOfKind(secrets, 'fulfilment-api-key');
      if (fulfilmentKey) fulfilment.configure(fulfilmentKey);
      await inventory.start();
      started.push(inventory);
      inventory.configure({ providers: Object.keys(inventoryProviderSecrets(secrets)) });

      await lambdas.provision(resourcesFor(assembly, lambdas), resolver);
      iam.writePolicies();
      await Promise.all([pager.start(), cloudWatch.start()]);
      started.push(pager, cloudWatch);
      await sns.provision(resourcesFor(assembly, sns), resolver);
      await cloudWatch.provision(resourcesFor(assembly, cloudWatch), resolver);
      cloudWatch.startEvaluating();
      const schedules = new ScheduleService(lambdas);
      schedules.start(assembly, resolver);
      started.push(schedules);

      const eventSources = new SqsEventSourceService(sqs, lambdas);
      eventSources.configure(assembly, resolver);
      eventSources.start();
      started.push(eventSources);

      const models = readRestApis(assembly, resolver);
      if (models.length !== 1) throw new Error(`Expected one REST API in stage ${options.stage}, found ${models.length}`);
      const model = models[0] as NonNullable<(typeof models)[0]>;
      const aclModel = readWebAcl(assembly, model.restApiLogicalId, model.stackName);
      const webAcl = aclModel ? new WebAcl(aclModel, { rateRules: options.wafRateRules !== false, windowScale: wafWindowScale }) : undefined;
      const api = new RestApiServer({
        model,
        lambdas,
        authorizer: lambdaAuthorizer(assembly, model, lambdas),
        port: options.apiPort,
        throttle: options.throttle !== false,
        ...(webAcl ? { webAcl } : {}),
        observe: apiMetrics(cloudWatch, assembly, model, resolver),
      });
      await api.start();
      started.push(api);
      // Signed webhooks go to the API once it has the route (until then events are only kept, not sent), for the
      // event types a deployed endpoint subscribes to.
      if (model.routes.some((r) => r.httpMethod === 'POST' && r.resourcePath === '/webhooks/stripe'))
        stripe.configure({ webhookUrl: `${api.url}/webhooks/stripe`, enabledEvents: STRIPE_WEBHOOK_EVENTS });
      inventory.configure({ apiUrl: api.url });
      const docs = new DocsServer();
      await docs.start();
      started.push(docs);

      const pool = assembly.resourcesOfType('AWS::Cognito::UserPool')[0];
      const appClient = assembly.resourcesOfType('AWS::Cognito::UserPoolClient')[0];
      const identity =
        pool && appClient
          ? {
              endpoint: cognito.endpoint,
              userPoolId: cognito.physical(pool).ref,
              clientId: cognito.physical(appClient).ref,
              localDataDirectory: cognito.dataDirectory,
            }
          : undefined;
      const emulators = performance.now() - clock;
      clock = performance.now();
      const users = identity ? await seedDemoUsers(identity) : undefined;
      const products = identity && users && options.seedDemoData !== false ? await seedDemoCatalog({ apiUrl: api.url, cognito: identity, vendors: users }) : 0;
      // The demo customer has a default shipping address, so a checkout body of {} ships somewhere (demo data: a
      // runtime started without it may have no API functions to call, as runtime-from-template's does).
      if (identity && users && options.seedDemoData !== false) await seedDemoAddress({ apiUrl: api.url, cognito: identity, customer: users.customer });

      const endpoints: Endpoints = {
        apiUrl: api.url,
        docsUrl: `${docs.url}/docs`,
        region: LOCAL_REGION,
        ...(identity ? { cognito: identity } : {}),
        ...(users ? { users } : {}),
        ...(stripeKeys ? { stripe: { ...stripe.clientConfig(), apiKey: stripeKeys.apiKey, webhookSecret: stripeKeys.webhookSecrets[0] ?? '' } } : {}),
        inventoryProviders: inventoryProviderSecrets(secrets),
        ...(fulfilmentKey ? { fulfilment: { url: fulfilment.url, apiKey: fulfilmentKey } } : {}),
        inventoryStandIn: { url: inventory.url },
        stateMachines: Object.fromEntries(
          assembly.resourcesOfType('AWS::StepFunctions::StateMachine').map((m) => [m.logicalId, stepFunctions.physical(m).ref]),
        ),
        aws: {
          dynamodb: dynamodb.endpoint,
          sqs: sqs.endpoint,
          secretsManager: secrets.endpoint,
          lambda: invoke.endpoint,
          stepFunctions: stepFunctions.endpoint,
          cloudWatch: cloudWatch.endpoint,
          ssm: ssm.endpoint,
          credentials: { accessKeyId: localCredentials.accessKeyId, secretAccessKey: localCredentials.secretAccessKey },
        },
        functions: lambdas.credentials(),
        iam: { enforced: iam.enforcing, decisionLog: iam.decisionLogFile },
        tables: Object.fromEntries(assembly.resourcesOfType('AWS::DynamoDB::Table').map((t) => [t.logicalId, dynamodb.physical(t).ref])),
        queues: Object.fromEntries(assembly.resourcesOfType('AWS::SQS::Queue').map((q) => [q.logicalId, sqs.physical(q).ref])),
        alarms: {
          pagerUrl: pager.url,
          emailFile: path.join(options.stateDirectory, 'alarm-emails.jsonl'),
          ...(alarmPeriodSeconds !== undefined ? { periodSeconds: alarmPeriodSeconds } : {}),
        },
      };
      const seeding = performance.now() - clock;
      mkdirSync(options.stateDirectory, { recursive: true });
      writeFileSync(path.join(options.stateDirectory, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
      return new LocalRuntime(
        assembly,
        {
          dynamodb,
          sqs,
          secrets,
          ssm,
          cognito,
          stepFunctions,
          lambdas,
          eventSources,
          stripe,
          fulfilment,
          inventory,
          schedules,
          iam,
          webAcl,
          cloudWatch,
          sns,
          pager,
        },
        api,
        endpoints,
        started,
        products,
        { emulators, seeding },
      );
    } catch (error) {
      await Promise.allSettled(early.values());
      await stopAll();
      throw error;
    }
  }

  /** Lines describing what runs where. */
  describe(): string[] {
    const { dynamodb, sqs, secrets, cognito, stepFunctions, lambdas, eventSources } = this.services;
    const played = new Set<string>([
      'AWS::Lambda::EventSourceMapping',
      'AWS::Events::Rule',
      ...(this.services.webAcl ? ['AWS::WAFv2::WebACL', 'AWS::WAFv2::IPSet'] : []),
      ...[dynamodb, sqs, secrets, this.services.ssm, cognito, stepFunctions, lambdas, this.services.cloudWatch, this.services.sns].flatMap((s) => [
        ...s.resourceTypes,
      ]),
    ]);
    const unplayed = new Set(
      this.assembly.stacks
        .flatMap((s) => s.resources)
        .map((r) => r.type)
        .filter((t) => !played.has(t) && !t.startsWith('AWS::ApiGateway::') && !TEMPLATE_ONLY_TYPES.has(t)),
    );
    return [
      `${'REST API'.padEnd(16)} ${this.api.url}  (${this.api.routes.length} methods of API stage ${this.api.stageName})`,
      ...(this.endpoints.docsUrl ? [`${'API reference'.padEnd(16)} ${this.endpoints.docsUrl}`] : []),
      ...cognito.describe(),
      ...dynamodb.describe(),
      ...sqs.describe(),
      ...secrets.describe(),
      ...this.services.ssm.describe(),
      ...stepFunctions.describe(),
      ...lambdas.describe(),
      ...eventSources.describe(),
      ...this.services.iam.describe(),
      ...(this.services.webAcl?.describe() ?? []),
      ...this.services.stripe.describe(),
      ...this.services.fulfilment.describe(),
      ...this.services.inventory.describe(),
      ...this.services.schedules.describe(),
      ...this.services.cloudWatch.describe(),
      ...this.services.sns.describe(),
      ...this.services.pager.describe(),
      ...(unplayed.size ? [`${'Not played'.padEnd(16)} ${[...unplayed].sort().join(', ')}`] : []),
    ];
  }

  /** Stops every server and process the runtime started, newest first. */
  async stop(): Promise<void> {
    for (const s of [...this.started].reverse()) await s.stop().catch(() => undefined);
  }
}

export interface RuntimeServices {
  readonly dynamodb: DynamoDbService;
  readonly sqs: SqsService;
  readonly secrets: SecretsManagerService;
  readonly ssm: SsmService;
  readonly cognito: CognitoService;
  readonly stepFunctions: StepFunctionsService;
  readonly lambdas: LambdaService;
  readonly eventSources: SqsEventSourceService;
  readonly stripe: StripeStandIn;
  readonly fulfilment: FulfilmentStandIn;
  readonly inventory: InventoryProviderStandIn;
  readonly schedules: ScheduleService;
  readonly iam: IamService;
  /** The web ACL played in front of the REST API, when the template associates one with its stage. */
  readonly webAcl?: WebAcl;
  readonly cloudWatch: CloudWatchService;
  readonly sns: SnsService;
  readonly pager: PagerStandIn;
}

function resourcesFor(assembly: CloudAssembly, service: LocalService): TemplateResource[] {
  return service.resourceTypes.flatMap((t) => assembly.resourcesOfType(t));
}

/** The local value of the (first) secret of this kind the template declares. */
function secretOfKind(secrets: SecretsManagerService, kind: SecretKind): string | undefined {
  const secret = secrets.list().find((s) => s.tags[SECRET_KIND_TAG] === kind);
  return secret ? secrets.currentValue(secret.arn) : undefined;
}

/** The Stripe API key and webhook signing secrets the template's secrets hold locally. */
function stripeKeysFrom(secrets: SecretsManagerService): { apiKey: string; webhookSecrets: string[] } | undefined {
  const apiKey = secretOfKind(secrets, 'stripe-api-key');
  const webhook = secretOfKind(secrets, 'stripe-webhook-secrets');
  if (apiKey === undefined || webhook === undefined) return undefined;
  return { apiKey, webhookSecrets: JSON.parse(webhook) as string[] };
}

/** The secret each inventory provider signs with: the `current` field of its secret's value. */
function inventoryProviderSecrets(secrets: SecretsManagerService): Record<string, { secret: string }> {
  const result: Record<string, { secret: string }> = {};
  for (const s of secrets.list()) {
    const providerId = s.tags[PROVIDER_ID_TAG];
    if (s.tags[SECRET_KIND_TAG] === 'inventory-provider-hmac' && providerId)
      result[providerId] = { secret: parseInventoryHmacSecret(secrets.currentValue(s.arn)).current };
  }
  return result;
}

/** The value the runtime's Secrets Manager holds now for an inventory provider's HMAC secret (after any rotation). */
function inventorySecretValue(secrets: SecretsManagerService, providerId: string): string | undefined {
  const secret = secrets.list().find((s) => s.tags[SECRET_KIND_TAG] === 'inventory-provider-hmac' && s.tags[PROVIDER_ID_TAG] === providerId);
  return secret ? secrets.currentValue(secret.arn) : undefined;
}

/** The grace period the template gives the inventory webhook for a rotated secret (INVENTORY_HMAC_GRACE_HOURS), else 24 h. */
function inventoryGraceHours(assembly: CloudAssembly): number {
  for (const fn of assembly.resourcesOfType('AWS::Lambda::Function')) {
    const value = (fn.properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.INVENTORY_HMAC_GRACE_HOURS;
    if (value !== undefined && Number.isFinite(Number(value))) return Number(value);
  }
  return 24;
}

/** STOCKADE_WAF_WINDOW_SCALE: a positive factor for the web ACL's rate-based windows (1 when unset). */
function wafWindowScaleFromEnv(): number {
  const raw = process.env.STOCKADE_WAF_WINDOW_SCALE;
  if (raw === undefined || raw === '') return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`STOCKADE_WAF_WINDOW_SCALE must be a positive number, such as 0.01 (got "${raw}")`);
  return scale;
}

/** STOCKADE_ALARM_PERIOD_SECONDS: how long one alarm period lasts locally (unset: each alarm's own Period). */
function alarmPeriodSecondsFromEnv(): number | undefined {
  const raw = process.env.STOCKADE_ALARM_PERIOD_SECONDS;
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error(`STOCKADE_ALARM_PERIOD_SECONDS must be a positive number of seconds, such as 2 (got "${raw}")`);
  return seconds;
}

/** What CloudWatch samples of the queues, as AWS/SQS datapoints by QueueName. */
function queueDatapoints(samples: ReturnType<SqsService['queueSamples']>): Datapoint[] {
  const timestamp = Date.now();
  return samples.flatMap((q) => {
    const point = (metricName: string, value: number, unit: string): Datapoint => ({
      namespace: 'AWS/SQS',
      metricName,
      dimensions: { QueueName: q.queueName },
      timestamp,
      value,
      unit,
    });
    return [
      point('ApproximateNumberOfMessagesVisible', q.visible, 'Count'),
      point('ApproximateNumberOfMessagesNotVisible', q.notVisible, 'Count'),
      point('ApproximateAgeOfOldestMessage', q.oldestAgeSeconds, 'Seconds'),
    ];
  });
}

/** Records the REST API's responses as AWS/ApiGateway metrics under its ApiName (the RestApi's Name). */
function apiMetrics(
  cloudWatch: CloudWatchService,
  assembly: CloudAssembly,
  model: { stackName: string; restApiLogicalId: string },
  resolver: IntrinsicResolver,
): (response: { status: number; latencyMs: number }) => void {
  const restApi = assembly.resource(model.stackName, model.restApiLogicalId);
  const apiName = restApi.properties.Name === undefined ? model.restApiLogicalId : resolver.resolveString(restApi.properties.Name, model.stackName);
  return (response) => cloudWatch.apiResponse(apiName, response);
}
