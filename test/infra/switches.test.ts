import { defaultSwitchValue, SWITCH_NAMES } from '../../shared/domain/model/switches';
import { type CfnResourceJson, STAGES, synthStage } from './synth-stage';

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/**
 * The mitigation switches (issue 17, item 4; docs/operations.md) in every stage's templates: one SSM parameter per
 * switch, created off, and the only SSM grants of the stage, each on exactly the parameters its function uses.
 */
describe.each(STAGES)('mitigation switches (%s)', (stage) => {
  const synth = () => synthStage(stage);
  const templates = () => {
    const { stackNames, templateOf } = synth();
    return Object.keys(stackNames).map(
      (key) => [key, templateOf(key as keyof typeof stackNames)?.toJSON().Resources as Record<string, CfnResourceJson>] as const,
    );
  };

  it('keeps each switch in its own String parameter /stockade/<stage>/switches/<name>, created off', () => {
    const parameters = Object.values(synth().templates.secrets.findResources('AWS::SSM::Parameter')) as CfnResourceJson[];
    expect(parameters.map((p) => [p.Properties?.Name, p.Properties?.Type, p.Properties?.Value]).sort()).toEqual(
      SWITCH_NAMES.map((name) => [`/stockade/${stage}/switches/${name}`, 'String', defaultSwitchValue(name)]).sort(),
    );
    // No other stack declares a parameter.
    const elsewhere = templates().filter(([key, resources]) => key !== 'secrets' && Object.values(resources).some((r) => r.Type === 'AWS::SSM::Parameter'));
    expect(elsewhere.map(([key]) => key)).toEqual([]);
  });

  it("grants SSM only to the functions that use a switch, each on exactly its switches' parameters", () => {
    const grants: Record<string, string[]> = {};
    for (const [, resources] of templates()) {
      for (const [logicalId, resource] of Object.entries(resources)) {
        if (resource.Type !== 'AWS::IAM::ManagedPolicy' && resource.Type !== 'AWS::IAM::Policy') continue;
        const statements = (resource.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
        for (const statement of statements) {
          const actions = [statement.Action].flat();
          if (!actions.some((a) => a.startsWith('ssm:'))) continue;
          const role = logicalId.replace(/Role.*$/, '');
          const parameters = [...JSON.stringify(statement.Resource).matchAll(/:parameter\/stockade\/[a-z]+\/switches\/([a-z-]+)/g)].map((m) => m[1]);
          (grants[role] ??= []).push(`${actions.join('+')} on ${parameters.sort().join(',')}`);
        }
      }
    }
    expect(grants).toEqual({
      CreateCheckout: ['ssm:GetParameter on checkout-paused'],
      ReceiveInventoryWebhook: ['ssm:GetParameter on inventory-webhooks-refused'],
      RelayStockNotifications: ['ssm:GetParameter on outbox-relay-stopped'],
      ListSwitches: ['ssm:GetParameter on checkout-paused,inventory-webhooks-refused,outbox-relay-stopped'],
      FlipSwitch: ['ssm:GetParameter+ssm:PutParameter on checkout-paused,inventory-webhooks-refused,outbox-relay-stopped'],
    });
  });

  it("tells each reader its parameters and the stage's cache time", () => {
    const relay = Object.entries(synth().templates.inventory.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('RelayStockNotifications'),
    )?.[1] as CfnResourceJson;
    expect((relay.Properties?.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      STOCKADE_SWITCHES: JSON.stringify({ 'outbox-relay-stopped': `/stockade/${stage}/switches/outbox-relay-stopped` }),
      STOCKADE_SWITCH_CACHE_SECONDS: String(synth().config.switches.cacheSeconds),
    });
  });
});
