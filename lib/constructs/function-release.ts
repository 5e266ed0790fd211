import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IAlarm, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { type ILambdaDeploymentConfig, LambdaApplication, LambdaDeploymentConfig, LambdaDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alias } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config';
import { RUNBOOK, runbookUrl } from './runbook';
import type { StockadeFunction } from './stockade-function';

/** The alias every caller of a released function invokes (API Gateway, the state machine, event sources, rules). */
export const LIVE_ALIAS = 'live';

/** How long the rollback alarms look: Lambda's metrics are per minute, and a 5-minute canary must see a failure within it. */
const ROLLBACK_PERIOD = Duration.minutes(1);

/** The predefined CodeDeploy configurations a stage may name (lib/config/stage-config.ts, `release.trafficShift`). */
const TRAFFIC_SHIFTS: Readonly<Record<StageConfig['release']['trafficShift'], ILambdaDeploymentConfig>> = {
  AllAtOnce: LambdaDeploymentConfig.ALL_AT_ONCE,
  Canary10Percent5Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  Canary10Percent10Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  Canary10Percent15Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES,
  Canary10Percent30Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_30MINUTES,
  Linear10PercentEvery1Minute: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
  Linear10PercentEvery2Minutes: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES,
  Linear10PercentEvery3Minutes: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES,
  Linear10PercentEvery10Minutes: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_10MINUTES,
};

/**
 * One per stack: the CodeDeploy application its functions' deployment groups belong to, and the role CodeDeploy
 * shifts their aliases with. The role holds exactly what a Lambda deployment does (read and update each alias, read
 * its rollback alarms), in place of AWSCodeDeployRoleForLambdaLimited, which may update any alias in the account.
 */
class StackReleases extends Construct {
  static of(scope: Construct): StackReleases {
    const stack = Stack.of(scope);
    return (stack.node.tryFindChild('Releases') as StackReleases | undefined) ?? new StackReleases(stack, 'Releases');
  }

  readonly application: LambdaApplication;
  readonly role: Role;
  readonly policy: ManagedPolicy;

  private constructor(scope: Stack, id: string) {
    super(scope, id);
    this.application = new LambdaApplication(this, 'Application');
    this.role = new Role(this, 'DeploymentRole', {
      assumedBy: new ServicePrincipal('codedeploy.amazonaws.com'),
      description: `CodeDeploy shifts the live aliases of ${scope.stackName} with this role`,
    });
    this.policy = new ManagedPolicy(this, 'DeploymentPolicy', { roles: [this.role] });
  }
}

/** The REST API whose 5xx rate rolls back a release, named as API Gateway publishes its metrics. */
export interface ReleasedApi {
  /** The RestApi's name (metric dimension ApiName). */
  readonly apiName: string;
  /** The API Gateway stage (metric dimension Stage). */
  readonly stageName: string;
}

/**
 * A rollback alarm on a REST API's 5xx rate (more than 1% of its requests in each of two minutes), built from the
 * API's metrics by name and stage: a release of a function behind the API rolls back when the API starts failing,
 * whatever part of the request failed (the function, its alias's permission, the integration). Like the functions'
 * own rollback alarms it looks at one-minute periods and has no actions: CodeDeploy watches it.
 */
export function apiServerErrorsRollbackAlarm(scope: Construct, id: string, config: StageConfig, api: ReleasedApi): Alarm {
  const metric = (metricName: string) =>
    new Metric({
      namespace: 'AWS/ApiGateway',
      metricName,
      dimensionsMap: { ApiName: api.apiName, Stage: api.stageName },
      statistic: 'Sum',
      period: ROLLBACK_PERIOD,
    });
  return new Alarm(scope, id, {
    alarmDescription: `More than 1% of ${api.apiName}/${api.stageName} requests answered 5xx in each of 2 minutes (rolls back every API function's release in progress). Runbook: ${runbookUrl(config, RUNBOOK.releases)}`,
    metric: new MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { requests: metric('Count'), errors: metric('5XXError') },
      period: ROLLBACK_PERIOD,
      label: '5xx %',
    }),
    threshold: 1,
    evaluationPeriods: 2,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}

export interface FunctionReleaseProps {
  readonly config: StageConfig;
  /** Alarms beyond the function's own that also roll its release back, e.g. the API's 5xx rate. @default none */
  readonly alarms?: readonly IAlarm[];
  /** The p99 duration above which the function's latency alarm fires. @default 80% of the function's timeout */
  readonly latencyThreshold?: Duration;
}

/**
 * Publishes a function as a version behind the `live` alias and releases every new version through CodeDeploy: the
 * stage's traffic shift (prod a canary, staging linear, dev all at once) moves the alias from the old version to the
 * new, and the deployment rolls back (the alias returns to the old version) when the function's errors or latency
 * alarm, or any alarm in `alarms`, fires during it, when the deployment fails, or when someone stops it.
 *
 * The rollback alarms live beside the function, not in the Observability stack: that stack reads every function's
 * metrics, so it deploys after the function stacks, and a deployment group referring to its alarms would be a
 * dependency cycle. They look at one-minute periods so that a canary's bake time sees a failure.
 */
export class FunctionRelease extends Construct {
  readonly alias: Alias;
  readonly errorsAlarm: Alarm;
  readonly latencyAlarm: Alarm;
  readonly deploymentGroup: LambdaDeploymentGroup;

  constructor(fn: StockadeFunction, props: FunctionReleaseProps) {
    super(fn.stack, `${fn.node.id}Release`);
    const id = fn.node.id;
    this.alias = new Alias(this, 'Live', { aliasName: LIVE_ALIAS, version: fn.currentVersion, description: `${id}: the version callers invoke` });
    this.errorsAlarm = new Alarm(this, 'Errors', {
      alarmDescription: `${id} failed invocations in the last minute (rolls back a release in progress). Runbook: ${runbookUrl(props.config, RUNBOOK.releases)}`,
      metric: fn.metricErrors({ period: ROLLBACK_PERIOD, statistic: 'Sum' }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const timeout = fn.timeout ?? Duration.seconds(3);
    const latency = props.latencyThreshold ?? Duration.millis(Math.round(timeout.toMilliseconds() * 0.8));
    this.latencyAlarm = new Alarm(this, 'Latency', {
      alarmDescription: `${id} p99 duration above ${latency.toMilliseconds()} ms for 2 minutes (rolls back a release in progress). Runbook: ${runbookUrl(props.config, RUNBOOK.releases)}`,
      metric: fn.metricDuration({ period: ROLLBACK_PERIOD, statistic: 'p99' }),
      threshold: latency.toMilliseconds(),
      evaluationPeriods: 2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const alarms = [this.errorsAlarm, this.latencyAlarm, ...(props.alarms ?? [])];
    const releases = StackReleases.of(fn);
    releases.policy.addStatements(
      new PolicyStatement({
        actions: ['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:GetProvisionedConcurrencyConfig'],
        resources: [this.alias.functionArn],
      }),
      new PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: alarms.map((a) => a.alarmArn) }),
    );
    this.deploymentGroup = new LambdaDeploymentGroup(this, 'Deployment', {
      application: releases.application,
      alias: this.alias,
      deploymentConfig: TRAFFIC_SHIFTS[props.config.release.trafficShift],
      alarms,
      // The deployment group would attach AWSCodeDeployRoleForLambdaLimited to a mutable role; the stack's role holds
      // only the grants above.
      role: releases.role.withoutPolicyUpdates(),
      autoRollback: { failedDeployment: true, deploymentInAlarm: true, stoppedDeployment: true },
    });
    fn.live = this.alias;
  }
}
