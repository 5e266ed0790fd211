import { type CfnResourceJson, STAGES, synthStage } from './synth-stage';

interface StatementJson {
  readonly Action?: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const actions = (s: StatementJson) => [s.Action ?? []].flat().sort();

/**
 * The outbox relay and the full sync: scheduled functions whose catalog grants are narrowed to their own items
 * (IAM dynamodb:LeadingKeys), and the alarm on notices that stay pending.
 */
describe.each(STAGES)('inventory outbound (%s)', (stage) => {
  const synth = () => synthStage(stage);
  const inventory = () => synth().templates.inventory;
  const resources = (type: string) => Object.entries(inventory().findResources(type) as Record<string, CfnResourceJson>);
  const fn = (prefix: string): [string, CfnResourceJson] => {
    const found = resources('AWS::Lambda::Function').filter(([id]) => id.startsWith(prefix));
    expect(found).toHaveLength(1);
    return found[0] as [string, CfnResourceJson];
  };
  const variables = (prefix: string) => (fn(prefix)[1].Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
  const statements = (prefix: string): StatementJson[] => {
    const policy = resources('AWS::IAM::ManagedPolicy').find(([id]) => id.startsWith(`${prefix}RolePolicy`));
    return (policy?.[1].Properties?.PolicyDocument as { Statement?: StatementJson[] } | undefined)?.Statement ?? [];
  };
  const schedule = (prefix: string) => {
    // The rule invokes the function's live alias (FunctionRelease), as every caller of a released function does.
    const [fnId] = fn(prefix);
    const aliases = resources('AWS::Lambda::Alias').filter(([, a]) => JSON.stringify(a.Properties?.FunctionName) === JSON.stringify({ Ref: fnId }));
    expect(aliases).toHaveLength(1);
    const rules = resources('AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties?.Targets ?? []).includes(`"${aliases[0]?.[0]}"`));
    expect(rules).toHaveLength(1);
    return rules[0]?.[1].Properties?.ScheduleExpression;
  };
  const dynamodbGrants = (prefix: string) =>
    statements(prefix)
      .filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')))
      .map((s) => ({ actions: actions(s), leadingKeys: s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] }));

  test('the relay runs every minute, claims a provider for longer than it can run, and may touch only OUTBOX# and PROVIDER# items', () => {
    expect(schedule('RelayStockNotifications')).toBe('rate(1 minute)');
    const [, relay] = fn('RelayStockNotifications');
    expect(Number(variables('RelayStockNotifications').RELAY_LEASE_SECONDS)).toBeGreaterThan(Number(relay.Properties?.Timeout));
    expect(variables('RelayStockNotifications').INVENTORY_PROVIDER_SECRET_ARNS).toBeDefined();
    // Items (a circuit closing deletes its item) on the table; Query on the table and its indexes; both by leading key.
    expect(dynamodbGrants('RelayStockNotifications')).toEqual([
      {
        actions: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        leadingKeys: ['OUTBOX#*', 'PROVIDER#*'],
      },
      { actions: ['dynamodb:Query'], leadingKeys: ['OUTBOX#*', 'PROVIDER#*'] },
    ]);
  });

  test('the full sync runs hourly, reads PROVIDER# items, puts QUARANTINE# items and sends to InventoryUpdates', () => {
    expect(schedule('SyncProviderStock')).toBe('rate(1 hour)');
    expect(dynamodbGrants('SyncProviderStock')).toEqual([
      // Item reads (the circuits) and a Query of the table's own key (no index), on PROVIDER# partitions only.
      { actions: ['dynamodb:GetItem', 'dynamodb:Query'], leadingKeys: ['PROVIDER#*'] },
      { actions: ['dynamodb:PutItem'], leadingKeys: ['QUARANTINE#*'] },
    ]);
    const sends = statements('SyncProviderStock').filter((s) => actions(s).includes('sqs:SendMessage'));
    expect(JSON.stringify(sends)).toContain('InventoryUpdates');
  });

  test('an alarm fires when a notice has been pending for over 15 minutes', () => {
    synth().templates.observability.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'StockNoticePendingAgeSeconds',
      Namespace: 'Stockade',
      Dimensions: [{ Name: 'service', Value: 'inventory' }],
      Statistic: 'Maximum',
      Threshold: 900,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });
});
