import { resourcesOfType, isStageKeyArn, STAGES, synthStage } from './synth-stage';

describe.each(STAGES)('stateful resources (%s)', (stage) => {
  const synth = () => synthStage(stage);

  test('every DynamoDB table is encrypted with the stage key and has point-in-time recovery', () => {
    const tables = Object.entries(resourcesOfType(synth().templates.data, 'AWS::DynamoDB::Table'));
    expect(tables.length).toBeGreaterThanOrEqual(5);
    for (const [logicalId, table] of tables) {
      const sse = table.Properties?.SSESpecification as { SSEEnabled?: boolean; SSEType?: string; KMSMasterKeyId?: unknown } | undefined;
      expect({ logicalId, SSEEnabled: sse?.SSEEnabled, SSEType: sse?.SSEType }).toEqual({ logicalId, SSEEnabled: true, SSEType: 'KMS' });
      expect({ logicalId, stageKey: isStageKeyArn(synth(), 'data', sse?.KMSMasterKeyId) }).toEqual({ logicalId, stageKey: true });
      expect({ logicalId, pitr: table.Properties?.PointInTimeRecoverySpecification }).toEqual({
        logicalId,
        pitr: expect.objectContaining({ PointInTimeRecoveryEnabled: true }),
      });
    }
  });

  test('the orders indexes by customer and by status keep only keys; the vendor views keep what vendors read', () => {
    const [, orders] = Object.entries(resourcesOfType(synth().templates.data, 'AWS::DynamoDB::Table')).find(([id]) => id.startsWith('OrdersTable')) ?? [];
    const indexes = orders?.Properties?.GlobalSecondaryIndexes as Array<{ IndexName: string; Projection: { ProjectionType: string } }>;
    expect(Object.fromEntries(indexes.map((i) => [i.IndexName, i.Projection.ProjectionType]))).toEqual({
      byCustomer: 'KEYS_ONLY',
      byStatus: 'KEYS_ONLY',
      byVendor: 'ALL',
    });
  });

  test(stage === 'dev' ? 'dev tables are deleted with the stack' : 'tables are retained and deletion-protected', () => {
    const retain = stage !== 'dev';
    for (const [logicalId, table] of Object.entries(resourcesOfType(synth().templates.data, 'AWS::DynamoDB::Table'))) {
      expect({
        logicalId,
        DeletionProtectionEnabled: table.Properties?.DeletionProtectionEnabled ?? false,
        DeletionPolicy: table.DeletionPolicy,
        UpdateReplacePolicy: table.UpdateReplacePolicy,
      }).toEqual({
        logicalId,
        DeletionProtectionEnabled: retain,
        DeletionPolicy: retain ? 'Retain' : 'Delete',
        UpdateReplacePolicy: retain ? 'Retain' : 'Delete',
      });
    }
  });

  test('the stage KMS key rotates and, outside dev, is retained', () => {
    const keys = resourcesOfType(synth().templates.secrets, 'AWS::KMS::Key');
    expect(Object.keys(keys)).toHaveLength(1);
    const key = Object.values(keys)[0];
    expect(key?.Properties?.EnableKeyRotation).toBe(true);
    expect(key?.DeletionPolicy).toBe(stage === 'dev' ? 'Delete' : 'Retain');
  });
});
