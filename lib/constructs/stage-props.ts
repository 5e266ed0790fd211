import { RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { StageConfig } from '../config/stage-config';

/** What every Stockade construct needs to know about where it is deployed. */
export interface StageContext {
  readonly config: StageConfig;
  /** The customer-managed key that encrypts tables, queues, topics, secrets and log groups. */
  readonly key: IKey;
}

export function removalPolicyOf(config: StageConfig): RemovalPolicy {
  return config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}
