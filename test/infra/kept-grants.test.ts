import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { KEPT_GRANTS_METADATA, type KeptGrant } from '../../lib/config/tags';
import { synthStage } from './synth-stage';

interface PolicyJson {
  readonly Metadata?: Record<string, unknown>;
  readonly Properties: { PolicyDocument: { Statement: Array<{ Effect: string; Action: string | string[]; Resource: unknown }> } };
}

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Every function policy of the dev stage that keeps a grant with a reason, from every stack of the stage. */
function keptGrants(): Array<{ logicalId: string; kept: KeptGrant[]; policy: PolicyJson }> {
  const { stacks } = synthStage('dev');
  return Object.values(stacks)
    .filter((s): s is Stack => s instanceof Stack)
    .flatMap((stack) =>
      Object.entries(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy') as Record<string, PolicyJson>).flatMap(([logicalId, policy]) => {
        const kept = policy.Metadata?.[KEPT_GRANTS_METADATA] as KeptGrant[] | undefined;
        return kept ? [{ logicalId, kept, policy }] : [];
      }),
    );
}

describe('grants kept unused with a reason (npm run iam:report)', () => {
  const found = keptGrants();

  it('are written on the function policies, with their reason', () => {
    const ledger = found.find((f) => f.logicalId.startsWith('ApplyInventoryUpdatesRolePolicy'));
    expect(ledger?.kept).toEqual([
      expect.objectContaining({ actions: ['dynamodb:BatchGetItem'], reason: expect.stringContaining('stock shards') as unknown }),
      expect.objectContaining({ actions: ['dynamodb:ConditionCheckItem'], reason: expect.stringContaining('still absent') as unknown }),
      // consumeQueue's: a poison record's move to the DLQ, Lambda's poller, the retry backoff.
      expect.objectContaining({ actions: ['sqs:SendMessage'], reason: expect.stringContaining('DLQ') as unknown }),
      expect.objectContaining({ actions: ['kms:GenerateDataKey'], reason: expect.stringContaining('DLQ') as unknown }),
      expect.objectContaining({ actions: ['sqs:GetQueueAttributes'], reason: expect.stringContaining('event source mapping') as unknown }),
      expect.objectContaining({ actions: ['sqs:ChangeMessageVisibility'], reason: expect.stringContaining('SqsRetryBackoff') as unknown }),
    ]);
  });

  it('each name a grant the policy has: a reason for a grant that went away is stale', () => {
    const stale = found.flatMap(({ logicalId, kept, policy }) =>
      kept.flatMap((k) =>
        k.actions.flatMap((action) =>
          k.resources.flatMap((resource) =>
            policy.Properties.PolicyDocument.Statement.some(
              (s) => s.Effect === 'Allow' && list(s.Action).includes(action) && list(s.Resource).some((r) => JSON.stringify(r) === JSON.stringify(resource)),
            )
              ? []
              : [`${logicalId}: ${action} on ${JSON.stringify(resource)}`],
          ),
        ),
      ),
    );
    expect(found.length).toBeGreaterThan(0);
    expect(stale).toEqual([]);
  });
});
