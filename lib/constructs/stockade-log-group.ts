import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { removalPolicyOf, type StageContext } from './stage-props';

export interface StockadeLogGroupProps {
  readonly stageContext: StageContext;
  /** @default a name CloudFormation generates */
  readonly logGroupName?: string;
}

/** A log group encrypted with the stage key, with the stage's retention and removal policy. */
export class StockadeLogGroup extends LogGroup {
  constructor(scope: Construct, id: string, props: StockadeLogGroupProps) {
    const { config, key } = props.stageContext;
    super(scope, id, {
      logGroupName: props.logGroupName,
      encryptionKey: key,
      retention: config.logRetentionDays as RetentionDays,
      removalPolicy: removalPolicyOf(config),
    });
  }
}
