import { Duration } from 'aws-cdk-lib';
import { Alarm, type AlarmProps, ComparisonOperator, type IAlarmAction, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config';
import { type RunbookSection, runbookUrl } from './runbook';

export interface StockadeAlarmProps extends Omit<AlarmProps, 'alarmDescription' | 'actionsEnabled'> {
  /** What is wrong, in a sentence; the runbook link is appended. */
  readonly description: string;
  /** The docs/operations.md section that says what to check and how to mitigate. */
  readonly runbook: RunbookSection;
  readonly config: Pick<StageConfig, 'github'>;
  /** Notified on ALARM and on OK: the ticket topic (page-severity alarms page through their area's composite). */
  readonly action: IAlarmAction;
}

/**
 * An alarm that says where its runbook is and tells someone: its description ends with the runbook section's URL,
 * it notifies `action` when it fires and when it clears, and a period without data is not an incident unless said.
 * @default comparisonOperator GREATER_THAN_THRESHOLD, treatMissingData NOT_BREACHING
 */
export function stockadeAlarm(scope: Construct, id: string, props: StockadeAlarmProps): Alarm {
  const { description, runbook, config, action, ...alarmProps } = props;
  const alarm = new Alarm(scope, id, {
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
    ...alarmProps,
    alarmDescription: `${description}. Runbook: ${runbookUrl(config, runbook)}`,
  });
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}

/** A function's own alarms. */
export interface FunctionAlarms {
  /** Any failed invocation in 5 minutes. */
  readonly errors: Alarm;
  /** Any throttled invocation in 5 minutes (reserved or account concurrency reached). */
  readonly throttles: Alarm;
}

/**
 * The errors and throttles alarms every function has, as `<label>Errors` and `<label>Throttles` in `scope`. A Lambda
 * alias or version works too (its metrics carry the `Resource` dimension), e.g. for a deployment's rollback alarms.
 */
export function addFunctionAlarms(
  scope: Construct,
  label: string,
  fn: IFunction,
  common: { readonly config: Pick<StageConfig, 'github'>; readonly action: IAlarmAction },
): FunctionAlarms {
  const period = Duration.minutes(5);
  return {
    errors: stockadeAlarm(scope, `${label}Errors`, {
      ...common,
      description: `${label} failed invocations`,
      runbook: 'Function errors',
      metric: fn.metricErrors({ period, statistic: 'Sum' }),
      threshold: 0,
      evaluationPeriods: 1,
    }),
    throttles: stockadeAlarm(scope, `${label}Throttles`, {
      ...common,
      description: `${label} throttled`,
      runbook: 'Function throttles',
      metric: fn.metricThrottles({ period, statistic: 'Sum' }),
      threshold: 0,
      evaluationPeriods: 1,
    }),
  };
}
