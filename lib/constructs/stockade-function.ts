import * as path from 'node:path';
import { Duration, Names, Stack, Validations } from 'aws-cdk-lib';
import type { StockadeTable } from './stockade-table';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, Code, type IFunction, LoggingFormat, Runtime, SystemLogLevel, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { StageContext } from './stage-props';
import type { StockadeQueue } from './stockade-queue';
import { DEAD_LETTER_QUEUE_URL_ENV, ENV, type EnvName } from '../../shared/config/env-names';
import { StockadeFunctionRole } from './stockade-function-role';
import type { KeptGrant } from '../config/tags';
import { StockadeLogGroup } from './stockade-log-group';
import { type BundleRequest, checkPackageFiles, FunctionBundleCache, handlerEntries, type PackageFiles } from './function-bundles';

/** Repository root: lib/ refers to functions only by entry path below it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The Lambda runtime every Stockade function runs on. */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

/**
 * How every function is bundled: one minified ESM file with source maps, the whole dependency tree (AWS SDK
 * included) at the exact versions package-lock.json pins. Exported so the cold-start benchmark builds its
 * baseline the same way.
 */
export const FUNCTION_BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node24',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  externalModules: [],
  banner: "import { createRequire as __stockadeCreateRequire } from 'node:module'; const require = __stockadeCreateRequire(import.meta.url);",
} as const satisfies BundlingOptions;

export interface StockadeFunctionProps {
  readonly stageContext: StageContext;
  /** Entry below functions/, without extension, e.g. 'platform/get-health' (or an absolute file path, for test fixtures). */
  readonly entry: string;
  /** Powertools service name, e.g. 'catalog'. */
  readonly service: string;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 512 (faster cold starts than the 128 MB default at near-equal cost for short invocations) */
  readonly memorySize?: number;
  /** Extra non-secret environment. Secrets are bound with bindSecret, never passed here. @default none */
  readonly environment?: Record<string, string>;
  /**
   * The stage's inventory provider data (config/inventory-providers/<stage>.json), inlined into the bundle as
   * `process.env.STOCKADE_INVENTORY_PROVIDERS` at build time: mappings can be large (no 4 KB environment limit)
   * and change with a deploy, never with a code change. @default not inlined
   */
  readonly inventoryProviders?: unknown;
  /**
   * Files shipped beside the bundle in the function's package, read at run time (`new URL(name, import.meta.url)`):
   * name in the package -> path relative to the project root. For data that costs more to load as code than as a
   * file, such as the OpenAPI document. @default none
   */
  readonly files?: PackageFiles;
}

/** Context key: where function bundles are cached (`off`: let NodejsFunction bundle every function itself). */
export const BUNDLE_CACHE_CONTEXT = 'stockade:bundleCache';
/** Context key: a file the bundle cache keeps its counts and time in, for whoever started the synthesis. */
export const BUNDLING_REPORT_CONTEXT = 'stockade:bundlingReport';

/** The default bundle cache, beside other tools' caches: a fresh clone starts without one. */
export const DEFAULT_BUNDLE_CACHE_DIRECTORY = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'stockade-bundles');

const bundleCaches = new Map<string, FunctionBundleCache>();

/**
 * The code of a function: its bundle from the bundle cache (built by esbuild with the same options as NodejsFunction
 * would, and only when an input changed), or, with the cache off or bundling skipped for this stack (infra tests),
 * NodejsFunction's own bundling (extra files copied by its afterBundling hook). Either way the asset is the `index.mjs`
 * bundle, its source map and the request's extra files.
 */
function functionCode(
  scope: Construct,
  request: BundleRequest,
): Pick<NodejsFunctionProps, 'code' | 'handler' | 'entry' | 'bundling' | 'projectRoot' | 'depsLockFilePath'> {
  const setting = scope.node.tryGetContext(BUNDLE_CACHE_CONTEXT) as string | undefined;
  if (setting === 'off' || !Stack.of(scope).bundlingRequired) {
    const files = Object.entries(request.files ?? {});
    return {
      entry: request.entryFile,
      handler: 'handler',
      bundling:
        files.length === 0
          ? request.bundling
          : {
              ...request.bundling,
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) =>
                  files.map(([name, source]) => `cp ${JSON.stringify(path.join(inputDir, source))} ${JSON.stringify(path.join(outputDir, name))}`),
              },
            },
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    };
  }
  const directory = path.resolve(setting ?? DEFAULT_BUNDLE_CACHE_DIRECTORY);
  let cache = bundleCaches.get(directory);
  if (!cache) {
    const reportFile = scope.node.tryGetContext(BUNDLING_REPORT_CONTEXT) as string | undefined;
    cache = new FunctionBundleCache(directory, PROJECT_ROOT, () => handlerEntries(PROJECT_ROOT), reportFile);
    bundleCaches.set(directory, cache);
  }
  return { code: Code.fromAsset(cache.bundle(request)), handler: 'index.handler' };
}

/** A DynamoDB item operation a binding may grant on a table (Query is granted through `queries`). */
export type ItemOperation = 'GetItem' | 'BatchGetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';

/**
 * The item operations of each shorthand: what most adapters use (shared/adapters), single-item reads and writes.
 * BatchGetItem (the catalog's and stock ledger's multi-SKU reads, the vendor order listing) and ConditionCheckItem (a
 * transaction's read-only check, which only the inventory ledger issues) are named only by the bindings whose code
 * issues them, and DeleteItem only by those that delete; no adapter uses BatchWriteItem, Scan or DescribeTable, so
 * none is granted. `append` is PutItem only, for append-only tables such as the audit log (no update, no delete, no
 * read). `npm run iam:report` after the suite shows what a binding grants that no run used (issue 11).
 */
const ITEM_OPERATIONS: Readonly<Record<TableAccessLevel, readonly ItemOperation[]>> = {
  read: ['GetItem'],
  write: ['PutItem', 'UpdateItem'],
  readWrite: ['GetItem', 'PutItem', 'UpdateItem'],
  append: ['PutItem'],
};

export type TableAccessLevel = 'read' | 'write' | 'readWrite' | 'append';
/** A shorthand for the usual item operations, or exactly the item operations the function's code issues. */
export type TableAccess = TableAccessLevel | readonly ItemOperation[];

const READ_OPERATIONS: ReadonlySet<ItemOperation> = new Set(['GetItem', 'BatchGetItem', 'ConditionCheckItem']);

export interface TableBindingOptions {
  /** Only items whose partition key matches one of these patterns (IAM dynamodb:LeadingKeys, `*` wildcards). */
  readonly leadingKeys?: readonly string[];
  /** DeleteItem too. */
  readonly deletes?: boolean;
  /** What the function lists with Query: 'table' (the table's own key) and/or index names. */
  readonly queries?: readonly string[];
}

/**
 * The one way Stockade defines a Lambda function: nodejs24.x on arm64, a minified ESM bundle with source maps,
 * active tracing, JSON logs to its own KMS-encrypted log group with the stage's retention, a role that may write
 * only to that log group, and bind helpers that add an environment variable and its least-privilege grant together.
 */
export class StockadeFunction extends NodejsFunction {
  /** The absolute path of the function's entry file (what esbuild bundles). */
  readonly entryFile: string;
  /**
   * The alias its callers invoke once FunctionRelease has published it behind one (API Gateway, the state machine,
   * event source mappings and rules must name it, not the function). @default undefined: callers invoke the function
   */
  live?: IFunction;
  /** The execution role, whose one managed policy holds every grant. */
  readonly functionRole: StockadeFunctionRole;

  constructor(scope: Construct, id: string, props: StockadeFunctionProps) {
    const { config } = props.stageContext;
    const entryFile = path.isAbsolute(props.entry) ? props.entry : path.join(PROJECT_ROOT, 'functions', `${props.entry}.ts`);
    const logGroup = new StockadeLogGroup(scope, `${id}Logs`, { stageContext: props.stageContext });
    const role = new StockadeFunctionRole(scope, `${id}Role`, { description: `Execution role of ${id} (Stockade ${config.stage})` });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    if (props.files) checkPackageFiles(props.files);
    const bundling: BundlingOptions =
      props.inventoryProviders === undefined
        ? FUNCTION_BUNDLING
        : { ...FUNCTION_BUNDLING, define: { 'process.env.STOCKADE_INVENTORY_PROVIDERS': JSON.stringify(JSON.stringify(props.inventoryProviders)) } };
    super(scope, id, {
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[config.logLevel],
      systemLogLevelV2: SystemLogLevel.WARN,
      environment: {
        STOCKADE_STAGE: config.stage,
        POWERTOOLS_SERVICE_NAME: props.service,
        POWERTOOLS_METRICS_NAMESPACE: 'Stockade',
        // Powertools' default cache age for secrets read through it: how long a rotated secret may lag.
        [ENV.POWERTOOLS_PARAMETERS_MAX_AGE]: String(config.payments.secretCacheSeconds),
        // No NODE_OPTIONS=--enable-source-maps: it parses the whole source map at every cold start (docs/operations.md);
        // the handler kits map stack frames when an error is first logged instead (shared/observability/source-mapped-stacks.ts).
        ...props.environment,
      },
      ...functionCode(scope, { entryFile, bundling, ...(props.files ? { files: props.files } : {}) }),
    });
    this.entryFile = entryFile;
    this.functionRole = role;
    Validations.of(this).acknowledge({
      id: 'PCI.DSS.321::PCI.DSS.321-LambdaInsideVPC',
      reason:
        'Stockade never stores, processes or transmits cardholder data (Stripe PaymentIntents/Elements take the card), and its functions call only AWS APIs and Stripe over TLS with IAM or API-key auth; a VPC would add NAT/endpoint cost and cold-start latency without reducing exposure.',
    });
  }

  /**
   * Says why a grant stays although the test suite may not use it (a failure or operator path no local run reaches):
   * `npm run iam:report` lists it as kept with this reason instead of as unused. `resources` are the grant's own
   * (e.g. `table.tableArn`) or IAM patterns over them.
   */
  keepGrant(grant: KeptGrant): this {
    this.functionRole.keep(grant);
    return this;
  }

  /**
   * Grants answering the task tokens of `stateMachineArn`'s waiting tasks: SendTaskSuccess and SendTaskFailure, not
   * SendTaskHeartbeat (StateMachine.grantTaskResponse grants all three; no task of Stockade's heartbeats). A function
   * answers with success or failure as it finds the order, and the suite may reach only one of the two: `unreachedBecause`
   * keeps both (keepGrant) with that reason.
   */
  answersTasks(stateMachineArn: string, unreachedBecause?: string): this {
    const actions = ['states:SendTaskSuccess', 'states:SendTaskFailure'];
    this.addToRolePolicy(new PolicyStatement({ actions, resources: [stateMachineArn] }));
    if (unreachedBecause) this.keepGrant({ actions, resources: [stateMachineArn], reason: unreachedBecause });
    return this;
  }

  /**
   * Sets `envVar` to the table name and grants exactly the requested data access on the table (item actions) and
   * its indexes (Query), with the matching use of its KMS key through DynamoDB only. No access level includes Scan:
   * every request path lists with Query (docs/data-model.md), and IAM holds every function to that. `leadingKeys`
   * narrows the grant to items whose partition key matches one of the patterns (IAM `dynamodb:LeadingKeys`, `*`
   * wildcards); `deletes` adds DeleteItem, for the adapters that delete (carts, provider circuits, Powertools'
   * idempotency records); `queries` names what the function lists with Query: the table's own key ('table') and/or
   * its indexes by name (a reading function without it may not Query at all).
   */
  bindTable(envVar: EnvName, table: StockadeTable, access: TableAccess, options: TableBindingOptions = {}): this {
    this.addEnvironment(envVar, table.tableName);
    const operations = new Set<ItemOperation>(typeof access === 'string' ? ITEM_OPERATIONS[access] : access);
    if (options.deletes) operations.add('DeleteItem');
    const reads = [...operations].some((o) => READ_OPERATIONS.has(o));
    if (operations.size === 0 && !options.queries?.length) throw new Error(`${this.node.path}: a binding of ${table.node.path} that grants nothing`);
    // With leadingKeys, only items whose partition key matches one of these patterns (e.g. QUARANTINE#*) may be touched.
    const conditions = options.leadingKeys ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...options.leadingKeys] } } : undefined;
    if (operations.size > 0) {
      this.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: [...operations].map((o) => `dynamodb:${o}`).sort(),
          resources: [table.tableArn],
          ...(conditions ? { conditions } : {}),
        }),
      );
    }
    if (options.queries?.length) {
      if (!reads && operations.size > 0) throw new Error(`${this.node.path}: queries need read access to ${table.node.path}`);
      const unknown = options.queries.filter((q) => q !== 'table' && !table.indexNames.includes(q));
      if (unknown.length > 0) throw new Error(`${this.node.path}: ${table.node.path} has no index ${unknown.join(', ')}`);
      const resources = options.queries.map((q) => (q === 'table' ? table.tableArn : `${table.tableArn}/index/${q}`));
      this.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['dynamodb:Query'], resources, ...(conditions ? { conditions } : {}) }));
    }
    const readOnly = [...operations].every((o) => READ_OPERATIONS.has(o));
    if (table.encryptionKey) {
      // DynamoDB uses the table's key on the caller's behalf: only through DynamoDB, never directly.
      this.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: readOnly ? ['kms:Decrypt', 'kms:DescribeKey'] : ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [table.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    return this;
  }

  /**
   * Sets `envVar` to the queue URL and grants SendMessage on it (only: the producer has the URL, so neither
   * GetQueueUrl nor GetQueueAttributes, which the CDK grant adds), and with a KMS-encrypted queue exactly what SQS
   * needs of the key for a producer (GenerateDataKey and Decrypt, through SQS only), instead of the CDK grant's
   * `kms:GenerateDataKey*` / `kms:ReEncrypt*` wildcards.
   */
  bindQueueProducer(envVar: EnvName, queue: IQueue): this {
    this.addEnvironment(envVar, queue.queueUrl);
    this.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    if (queue.encryptionMasterKey) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [queue.encryptionMasterKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    return this;
  }

  /**
   * Sets `envVar` to a JSON map of operator-facing names to each queue's URL and its DLQ's URL
   * (shared/config/redrive-queues.ts), and grants exactly what moving messages back takes: receive and delete on the
   * DLQs, send on the source queues, and of their KMS keys what SQS needs for both (through SQS only).
   */
  bindQueueRedrive(envVar: EnvName, queues: Readonly<Record<string, StockadeQueue>>): this {
    const entries = Object.entries(queues);
    this.addEnvironment(
      envVar,
      Stack.of(this).toJsonString(
        Object.fromEntries(entries.map(([name, q]) => [name, { queueUrl: q.queue.queueUrl, deadLetterQueueUrl: q.deadLetterQueue.queueUrl }])),
      ),
    );
    if (entries.length === 0) return this;
    // The redrive knows every URL and never reads a queue's attributes: receive, send, delete, nothing else.
    const deadLetterQueues = entries.map(([, q]) => q.deadLetterQueue.queueArn);
    const sources = entries.map(([, q]) => q.queue.queueArn);
    this.addToRolePolicy(new PolicyStatement({ actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'], resources: deadLetterQueues }));
    this.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: sources }));
    const why =
      'An operator may redrive any of these queues (POST /admin/queues/{queueName}/redrive); one code path serves them all, and the suite redrives one queue rather than every queue';
    this.keepGrant({ actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'], resources: deadLetterQueues, reason: why });
    this.keepGrant({ actions: ['sqs:SendMessage'], resources: sources, reason: why });
    const keys = [
      ...new Set(entries.flatMap(([, q]) => [q.queue.encryptionMasterKey, q.deadLetterQueue.encryptionMasterKey]).flatMap((k) => (k ? [k.keyArn] : []))),
    ];
    if (keys.length > 0) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: keys,
          conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    return this;
  }

  /**
   * Consumes `queue` in batches with partial batch failure reporting. Refuses a queue whose visibility timeout was
   * sized for a faster consumer than this function, so a slow batch cannot become visible again while it still runs.
   * Also binds the queue's DLQ as DEAD_LETTER_QUEUE_URL (send only), where the SQS handler kit puts a message that
   * can never succeed (shared/handlers/sqs-batch-handler.ts).
   *
   * The grant is what Lambda's poller does with the function's role (ReceiveMessage, DeleteMessage,
   * GetQueueAttributes: AWS's AWSLambdaSQSQueueExecutionRole) and decrypting through SQS, not the CDK event source's
   * grantConsumeMessages, which adds GetQueueUrl and ChangeMessageVisibility; `changesVisibility` adds the latter for
   * a consumer whose code backs a failed record off (SqsRetryBackoff).
   */
  consumeQueue(queue: StockadeQueue, options: { batchSize?: number; maxBatchingWindow?: Duration; changesVisibility?: boolean } = {}): this {
    if (this.timeout && this.timeout.toSeconds() > queue.consumerTimeout.toSeconds()) {
      throw new Error(
        `${this.node.path}: timeout ${this.timeout.toSeconds()} s exceeds the consumerTimeout (${queue.consumerTimeout.toSeconds()} s) ${queue.node.path} sized its visibility timeout for`,
      );
    }
    this.bindQueueProducer(DEAD_LETTER_QUEUE_URL_ENV, queue.deadLetterQueue);
    const deadLetterReason =
      'The SQS handler kit moves a record that can never succeed straight to its DLQ; a suite whose records of this queue are all valid never does';
    this.keepGrant({ actions: ['sqs:SendMessage'], resources: [queue.deadLetterQueue.queueArn], reason: deadLetterReason });
    const deadLetterKey = queue.deadLetterQueue.encryptionMasterKey;
    if (deadLetterKey) this.keepGrant({ actions: ['kms:GenerateDataKey'], resources: [deadLetterKey.keyArn], reason: deadLetterReason });
    const pollerActions = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];
    this.addToRolePolicy(
      new PolicyStatement({
        actions: options.changesVisibility ? [...pollerActions, 'sqs:ChangeMessageVisibility'] : pollerActions,
        resources: [queue.queue.queueArn],
      }),
    );
    this.keepGrant({
      actions: ['sqs:GetQueueAttributes'],
      resources: [queue.queue.queueArn],
      reason: "Lambda's event source mapping reads the queue's attributes with the function's role (AWSLambdaSQSQueueExecutionRole); the local poller does not",
    });
    if (options.changesVisibility) {
      this.keepGrant({
        actions: ['sqs:ChangeMessageVisibility'],
        resources: [queue.queue.queueArn],
        reason: 'SqsRetryBackoff shortens the visibility of a record that failed for a transient reason, which only a failing dependency causes',
      });
    }
    if (queue.queue.encryptionMasterKey) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [queue.queue.encryptionMasterKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    // A released function is polled through its alias, so that a release shifts the queue's traffic too. The id is
    // the CDK SqsEventSource's, so the mapping keeps its logical id.
    const target = this.live ?? this;
    const mapping = target.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(queue.queue.node)}`, {
      eventSourceArn: queue.queue.queueArn,
      batchSize: options.batchSize ?? 10,
      maxBatchingWindow: options.maxBatchingWindow,
      reportBatchItemFailures: true,
    });
    // CloudFormation creates the mapping only once the role may poll the queue.
    mapping.node.addDependency(this.functionRole.policy);
    Validations.of(mapping).acknowledge({
      id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
      reason:
        'Lambda supports on-failure destinations for stream and Kafka event sources, not SQS: for an SQS source the redrive policy of the StockadeQueue moves a record that keeps failing to its DLQ, which alarms on the first message.',
    });
    Validations.of(this).acknowledge({
      id: 'Serverless::Serverless-LambdaDLQ',
      reason:
        "The SQS event source mapping polls and invokes synchronously: a failed record returns to its queue and, after maxReceiveCount, moves to that queue's DLQ (StockadeQueue). A function DLQ would only ever receive async invocations, which this function does not get.",
    });
    return this;
  }

  /**
   * Sets `envVar` to a JSON map of ids to secret ARNs (never values), e.g. `{"acme-warehouse": "arn:…"}`, and grants
   * read of each secret as bindSecret does, for a function that reads one secret per partner.
   */
  bindSecretMap(envVar: EnvName, secrets: ReadonlyMap<string, ISecret>): this {
    this.addEnvironment(envVar, Stack.of(this).toJsonString(Object.fromEntries([...secrets].map(([id, secret]) => [id, secret.secretArn]))));
    if (secrets.size === 0) return this;
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [...secrets.values()].map((s) => s.secretArn),
      }),
    );
    const keys = [...new Set([...secrets.values()].flatMap((s) => (s.encryptionKey ? [s.encryptionKey.keyArn] : [])))];
    if (keys.length > 0) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: keys,
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    return this;
  }

  /**
   * Sets `envVar` to the secret's ARN (never its value) and grants read of it, and decrypt with its key only when
   * called through Secrets Manager. The grant is identity-based only: `secret.grantRead` would also add this role to
   * the stage key's policy, which the Secrets stack owns, making it depend on this function's stack (a cycle). The
   * key policy already delegates to IAM in the account, so the role statement is enough.
   */
  bindSecret(envVar: EnvName, secret: ISecret): this {
    this.addEnvironment(envVar, secret.secretArn);
    this.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }));
    if (secret.encryptionKey) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [secret.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    return this;
  }
}
