import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type Alarm, ComparisonOperator, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Canary, Code, Runtime, Schedule, Test } from 'aws-cdk-lib/aws-synthetics';
import { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import type { StageConfig } from '../config/stage-config';
import { RUNBOOK } from './runbook';
import { stockadeAlarm } from './stockade-alarm';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(PROJECT_ROOT, 'canaries', 'smoke-purchase.ts');

export interface SmokeCanaryProps {
  readonly config: StageConfig;
  readonly settings: { readonly everyMinutes: number; readonly mode: 'purchase' | 'checkout-and-cancel' };
  /** The stage's API, e.g. its deployment stage URL. */
  readonly apiUrl: string;
  /** The stage key: the smoke customer's secret is encrypted with it, like the stage's other secrets. */
  readonly key: IKey;
  /** Notified when the canary fails and when it recovers: the ticket topic. */
  readonly action: IAlarmAction;
}

/**
 * The stage's synthetic shopper (docs/operations.md, "Synthetic canary"): a CloudWatch Synthetics canary that runs
 * `npm run smoke`'s purchase (canaries/smoke-purchase.ts, bundled here with esbuild) against the deployed API every
 * few minutes: paid in Stripe test mode where the stage's Stripe is in test mode, checked out and cancelled where it
 * is live. The smoke customer's credentials live in a secret the operator fills (`<stage>/smoke/customer`); the canary
 * may read that secret and nothing else of the stage. Two failed runs of three raise `alarm`.
 */
export class SmokeCanary extends Construct {
  readonly canary: Canary;
  readonly secret: Secret;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: SmokeCanaryProps) {
    super(scope, id);
    const { config, settings } = props;
    this.secret = new Secret(this, 'Customer', {
      secretName: `stockade/${config.stage}/smoke/customer`,
      description: `Stockade ${config.stage} canary: the smoke customer's sign-in (username, password, totpSecret, clientId) and, when it pays, a Stripe test key (stripeKey); set by an operator`,
      encryptionKey: props.key,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        "A test customer's sign-in that an operator sets and changes with the customer's password in Cognito; Secrets Manager cannot rotate a Cognito password on its own.",
    });
    // Run artifacts: each run's log and report (no card data: the canary pays with Stripe's test card or not at all;
    // no personal data: the smoke customer is a test account and its log never names it), kept 30 days.
    const artifacts = new Bucket(this, 'Artifacts', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const artifactsReason =
      "The canary's own run logs and reports, kept 30 days and rewritten by every run: no cardholder or personal data, nothing to keep immutable, replicate or audit per object; writes are by the canary role only, recorded by CloudTrail.";
    for (const id of [
      'AwsSolutions::AwsSolutions-S1',
      'PCI.DSS.321::PCI.DSS.321-S3BucketLoggingEnabled',
      'PCI.DSS.321::PCI.DSS.321-S3BucketReplicationEnabled',
      'PCI.DSS.321::PCI.DSS.321-S3BucketVersioningEnabled',
      'PCI.DSS.321::PCI.DSS.321-S3DefaultEncryptionKMS',
    ]) {
      Validations.of(artifacts).acknowledge({ id, reason: artifactsReason });
    }
    // The role Synthetics documents for a canary, in one managed policy: write its artifacts, its metrics (its own
    // namespace only), its logs (its own log groups only) and its trace segments; and read the smoke customer.
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `Stockade ${config.stage} smoke canary` });
    const policy = new ManagedPolicy(this, 'Policy', {
      roles: [role],
      statements: [
        new PolicyStatement({ actions: ['s3:PutObject'], resources: [artifacts.arnForObjects('*')] }),
        new PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [artifacts.bucketArn] }),
        new PolicyStatement({ actions: ['s3:ListAllMyBuckets', 'xray:PutTraceSegments'], resources: ['*'] }),
        new PolicyStatement({
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': 'CloudWatchSynthetics' } },
        }),
        new PolicyStatement({
          actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [
            Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/lambda/cwsyn-*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          ],
        }),
      ],
    });
    const wildcards =
      "Synthetics' documented canary permissions: s3:ListAllMyBuckets, xray:PutTraceSegments and cloudwatch:PutMetricData have no resource type (the last is held to the CloudWatchSynthetics namespace by condition); objects are its run artifacts under its own bucket, and its log groups are named cwsyn-<canary>-<id> by the service, so they can only be named by prefix.";
    const bucketId = Stack.of(this).getLogicalId(artifacts.node.defaultChild as CfnBucket);
    for (const resource of ['*', `<${bucketId}.Arn>/*`, 'arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/lambda/cwsyn-*']) {
      Validations.of(policy).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`, reason: wildcards });
    }
    Validations.of(role).acknowledge({
      id: 'Serverless::Serverless-LambdaStarPermissions',
      reason: "The canary's role, not a function's: its wildcards are the Synthetics-documented ones acknowledged on its policy.",
    });
    this.canary = new Canary(this, 'Canary', {
      canaryName: `stockade-${config.stage}-smoke`.slice(0, 21),
      runtime: Runtime.SYNTHETICS_NODEJS_PUPPETEER_9_1,
      test: Test.custom({ code: Code.fromAsset(bundleCanary()), handler: 'smoke-purchase.handler' }),
      schedule: Schedule.rate(Duration.minutes(settings.everyMinutes)),
      timeout: Duration.minutes(2),
      role,
      artifactsBucketLocation: { bucket: artifacts },
      environmentVariables: { STOCKADE_API_URL: props.apiUrl, STOCKADE_SMOKE_MODE: settings.mode, STOCKADE_SMOKE_SECRET_ARN: this.secret.secretArn },
      activeTracing: true,
      provisionedResourceCleanup: true,
    });
    this.canary.node.addDependency(policy);
    // Read the smoke customer: the secret, and the stage key through Secrets Manager only.
    policy.addStatements(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.secret.secretArn] }),
      new PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [props.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    this.alarm = stockadeAlarm(this, 'Failures', {
      config,
      action: props.action,
      description: `The ${config.stage} smoke canary failed two of its last three runs (a shopper could not ${settings.mode === 'purchase' ? 'buy' : 'check out'})`,
      runbook: RUNBOOK.canary,
      metric: this.canary.metricFailed({ period: Duration.minutes(settings.everyMinutes), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
  }
}

let bundled: string | undefined;

/**
 * esbuild into the layout the Synthetics Node.js runtimes load (nodejs/node_modules/<file>.js), once per process:
 * the canary's smoke client and its SDKs in one file. Bundled here rather than as the asset's CDK bundling, because
 * the Synthetics construct checks that layout in the staged asset, which a synthesis that skips bundling (the infra
 * tests) does not have; the asset's hash is its content's either way.
 */
function bundleCanary(): string {
  if (!bundled) {
    const directory = mkdtempSync(path.join(tmpdir(), 'stockade-canary-'));
    buildSync({
      entryPoints: [SCRIPT],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      outfile: path.join(directory, 'nodejs', 'node_modules', 'smoke-purchase.js'),
      logLevel: 'silent',
    });
    bundled = directory;
  }
  return bundled;
}
