import { PROVIDER_ID_TAG } from '../../lib/config/tags';
import { type CfnResourceJson, invokedFunction, resolveReference, resourcesOfType, STAGES, synthStage } from './synth-stage';

interface StatementJson {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const tagOf = (resource: CfnResourceJson | undefined, key: string) =>
  (resource?.Properties?.Tags as Array<{ Key: string; Value: string }> | undefined)?.find((t) => t.Key === key)?.Value;
const actions = (s: StatementJson) => [s.Action ?? []].flat().sort();

/**
 * POST /webhooks/inventory/{providerId}: a public (signature-checked) route whose function may read exactly the
 * stage's provider secrets, send to the InventoryUpdates queue, and put quarantine items of the catalog table only.
 */
describe.each(STAGES)('inventory webhook (%s)', (stage) => {
  const synth = () => synthStage(stage);
  const api = () => synth().templates.api;
  const functions = () => synth().templates.apiFunctions;
  const fn = (): [string, CfnResourceJson] => {
    const found = Object.entries(resourcesOfType(functions(), 'AWS::Lambda::Function')).filter(([id]) => id.startsWith('ReceiveInventoryWebhook'));
    expect(found).toHaveLength(1);
    return found[0] as [string, CfnResourceJson];
  };
  const variables = () => (fn()[1].Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
  const statements = (): StatementJson[] => {
    const policy = Object.entries(resourcesOfType(functions(), 'AWS::IAM::ManagedPolicy')).find(([id]) => id.startsWith('ReceiveInventoryWebhookRolePolicy'));
    return (policy?.[1].Properties?.PolicyDocument as { Statement?: StatementJson[] } | undefined)?.Statement ?? [];
  };

  test("the route is a POST without authorizer, integrated with the webhook function's live alias", () => {
    const [fnId] = fn();
    const methods = Object.values(resourcesOfType(api(), 'AWS::ApiGateway::Method')).filter(
      (m) => invokedFunction(synth(), 'api', (m.Properties?.Integration as { Uri?: unknown } | undefined)?.Uri)?.fn.logicalId === fnId,
    );
    expect(methods.map((m) => ({ method: m.Properties?.HttpMethod, auth: m.Properties?.AuthorizationType }))).toEqual([{ method: 'POST', auth: 'NONE' }]);
    const resource = Object.entries(resourcesOfType(api(), 'AWS::ApiGateway::Resource')).find(
      ([id]) => JSON.stringify(methods[0]?.Properties?.ResourceId) === JSON.stringify({ Ref: id }),
    );
    expect(resource?.[1].Properties?.PathPart).toBe('{providerId}');
  });

  test('INVENTORY_PROVIDER_SECRET_ARNS maps each provider of the stage to its own secret, and only those are readable', () => {
    const parts = (variables().INVENTORY_PROVIDER_SECRET_ARNS as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const mapped: Record<string, string | undefined> = {};
    parts.forEach((part, i) => {
      if (typeof part === 'string') return;
      const id = /"([a-z0-9-]+)":"$/.exec(String(parts[i - 1]))?.[1] as string;
      const target = resolveReference(synth(), 'apiFunctions', part);
      mapped[id] = target?.resource.Type === 'AWS::SecretsManager::Secret' ? tagOf(target.resource, PROVIDER_ID_TAG) : undefined;
    });
    const providers = [...synth().config.inventoryProviders].sort();
    expect(mapped).toEqual(Object.fromEntries(providers.map((p) => [p, p])));

    const secretReads = statements().filter((s) => actions(s).some((a) => a.startsWith('secretsmanager:')));
    expect(secretReads.map(actions)).toEqual([['secretsmanager:GetSecretValue']]);
    const readable = [secretReads[0]?.Resource].flat().map((r) => tagOf(resolveReference(synth(), 'apiFunctions', r)?.resource, PROVIDER_ID_TAG));
    expect(readable.sort()).toEqual(providers);
  });

  test('the catalog grant is PutItem on QUARANTINE# partitions only; the queue grant is SendMessage on InventoryUpdates', () => {
    const dynamodb = statements().filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamodb).toHaveLength(1);
    expect(actions(dynamodb[0] as StatementJson)).toEqual(['dynamodb:PutItem']);
    expect(dynamodb[0]?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['QUARANTINE#*'] } });
    expect(resolveReference(synth(), 'apiFunctions', dynamodb[0]?.Resource)?.logicalId).toMatch(/^CatalogTable/);

    const sqs = statements().filter((s) => actions(s).some((a) => a.startsWith('sqs:')));
    expect(sqs.map(actions)).toEqual([['sqs:SendMessage']]);
    expect(resolveReference(synth(), 'apiFunctions', sqs[0]?.Resource)?.logicalId).toMatch(/^InventoryUpdatesQueue/);
    expect(resolveReference(synth(), 'apiFunctions', variables().INVENTORY_UPDATES_QUEUE_URL)?.logicalId).toMatch(/^InventoryUpdatesQueue/);
  });

  test('the grace period for a rotated secret comes from the stage config', () => {
    expect(variables().INVENTORY_HMAC_GRACE_HOURS).toBe(String(synth().config.secrets.inventoryGraceHours));
  });
});
