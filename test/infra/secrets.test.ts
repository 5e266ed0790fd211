import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROVIDER_ID_TAG, SECRET_KIND_TAG } from '../../lib/config/tags';
import { pascalCase } from '../../lib/constructs/construct-ids';
import { type CfnResourceJson, resolveReference, resourcesOfType, STAGES, type SynthesizedStage, synthStage } from './synth-stage';

interface StatementJson {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const tagOf = (resource: CfnResourceJson, key: string) =>
  (resource.Properties?.Tags as Array<{ Key: string; Value: string }> | undefined)?.find((t) => t.Key === key)?.Value;

/** Logical ids of the Secrets stack's inventory provider secrets, by provider id. */
function inventorySecrets(synth: SynthesizedStage): Record<string, string> {
  const secrets = resourcesOfType(synth.templates.secrets, 'AWS::SecretsManager::Secret');
  return Object.fromEntries(
    Object.entries(secrets)
      .filter(([, r]) => tagOf(r, SECRET_KIND_TAG) === 'inventory-provider-hmac')
      .map(([id, r]) => [tagOf(r, PROVIDER_ID_TAG) as string, id]),
  );
}

/**
 * The inventory secret rotation function: in the Inventory stack, which deploys after the audit table it writes to
 * (the Secrets stack holds no function).
 */
function rotationFunction(synth: SynthesizedStage): { logicalId: string; resource: CfnResourceJson } {
  expect(Object.keys(resourcesOfType(synth.templates.secrets, 'AWS::Lambda::Function'))).toEqual([]);
  const functions = Object.entries(resourcesOfType(synth.templates.inventory, 'AWS::Lambda::Function')).filter(([id]) =>
    id.startsWith('RotateInventorySecret'),
  );
  expect(functions).toHaveLength(1);
  const [logicalId, resource] = functions[0] as [string, CfnResourceJson];
  return { logicalId, resource };
}

/** The rotation function's live alias (it is released like every function of the Inventory stack). */
function liveAlias(synth: SynthesizedStage): string {
  const { logicalId: fn } = rotationFunction(synth);
  const aliases = Object.entries(resourcesOfType(synth.templates.inventory, 'AWS::Lambda::Alias')).filter(
    ([, a]) => JSON.stringify(a.Properties?.FunctionName) === JSON.stringify({ Ref: fn }) && a.Properties?.Name === 'live',
  );
  expect(aliases).toHaveLength(1);
  return (aliases[0] as [string, CfnResourceJson])[0];
}

describe.each(STAGES)('secrets (%s)', (stage) => {
  const synth = () => synthStage(stage);

  test('every inventory provider of the stage has a secret', () => {
    expect(Object.keys(inventorySecrets(synth())).sort()).toEqual([...synth().config.inventoryProviders].sort());
  });

  test('an inventory secret starts as {"current": <64 hex>}, the format the rotation function parses', () => {
    for (const logicalId of Object.values(inventorySecrets(synth()))) {
      const generate = resourcesOfType(synth().templates.secrets, 'AWS::SecretsManager::Secret')[logicalId]?.Properties?.GenerateSecretString;
      // With upper case, punctuation, space and g-z excluded, what is left to draw from is 0-9 and a-f.
      expect({ logicalId, generate }).toEqual({
        logicalId,
        generate: {
          SecretStringTemplate: '{}',
          GenerateStringKey: 'current',
          PasswordLength: 64,
          ExcludePunctuation: true,
          ExcludeUppercase: true,
          ExcludeCharacters: 'ghijklmnopqrstuvwxyz',
          IncludeSpace: false,
          RequireEachIncludedType: false,
        },
      });
    }
  });

  test('each inventory secret, and no other, rotates with the rotation function every inventoryRotationDays days', () => {
    expect(resourcesOfType(synth().templates.secrets, 'AWS::SecretsManager::RotationSchedule')).toEqual({});
    const schedules = Object.values(resourcesOfType(synth().templates.inventory, 'AWS::SecretsManager::RotationSchedule'));
    const alias = liveAlias(synth());
    const rotated = schedules.map((s) => resolveReference(synth(), 'inventory', s.Properties?.SecretId)?.logicalId).sort();
    expect(rotated).toEqual(Object.values(inventorySecrets(synth())).sort());
    for (const s of schedules) {
      expect(s.Properties).toEqual({
        SecretId: s.Properties?.SecretId,
        RotationLambdaARN: { Ref: alias },
        RotationRules: { AutomaticallyAfterDays: synth().config.secrets.inventoryRotationDays },
      });
    }
  });

  test('Secrets Manager of this account, and nothing else, may invoke the rotation function, before any schedule exists', () => {
    const { logicalId: fn } = rotationFunction(synth());
    const alias = liveAlias(synth());
    const permissions = Object.entries(resourcesOfType(synth().templates.inventory, 'AWS::Lambda::Permission')).filter(
      ([, p]) =>
        [fn, alias].some((id) => JSON.stringify(p.Properties?.FunctionName).includes(id)) || p.Properties?.Principal === 'secretsmanager.amazonaws.com',
    );
    // Secrets Manager invokes the live alias, as every caller of a released function does.
    expect(permissions.map(([, p]) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { Ref: alias },
        Principal: 'secretsmanager.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
      },
    ]);
    const [permissionId] = permissions[0] as [string, CfnResourceJson];
    for (const s of Object.values(resourcesOfType(synth().templates.inventory, 'AWS::SecretsManager::RotationSchedule'))) {
      expect([s.DependsOn ?? []].flat()).toEqual(expect.arrayContaining([permissionId, fn]));
    }
  });

  test('the rotation function may use exactly the rotation calls on the inventory secrets and their key, through Secrets Manager, and append audit entries', () => {
    const { resource } = rotationFunction(synth());
    const role = resolveReference(synth(), 'inventory', (resource.Properties?.Role as Record<string, unknown>) ?? {});
    const policies = Object.values(resourcesOfType(synth().templates.inventory, 'AWS::IAM::ManagedPolicy')).filter((p) =>
      (p.Properties?.Roles as unknown[]).some((r) => resolveReference(synth(), 'inventory', r)?.logicalId === role?.logicalId),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0]?.Properties?.PolicyDocument as { Statement: StatementJson[] }).Statement;
    // The secrets are the Secrets stack's, imported: compare what the references resolve to.
    const secretIds = Object.values(inventorySecrets(synth())).sort();
    const resolvedIds = (value: unknown) =>
      [value]
        .flat()
        .map((v) => resolveReference(synth(), 'inventory', v)?.logicalId)
        .sort();
    const secretCalls = statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('secretsmanager:')));
    expect(secretCalls).toHaveLength(1);
    expect(secretCalls[0]?.Effect).toBe('Allow');
    expect(secretCalls[0]?.Action).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    expect(resolvedIds(secretCalls[0]?.Resource)).toEqual(secretIds);
    // Beyond the rotation calls and the key: logs, traces, and the audit appender's DynamoDB calls on the audit table.
    const others = statements.filter((s) => ![s.Action].flat().some((a) => /^(secretsmanager|kms):/.test(String(a))));
    for (const s of others) expect([s.Action].flat().every((a) => /^(logs|xray|dynamodb):/.test(String(a)))).toBe(true);
    const dynamodb = others.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('dynamodb:')));
    expect([...new Set(dynamodb.flatMap((s) => [s.Action].flat()))].sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    for (const s of dynamodb)
      for (const r of [s.Resource].flat()) expect(resolveReference(synth(), 'inventory', r)?.logicalId ?? JSON.stringify(r)).toMatch(/AuditTable/);
    const kms = statements.find((s) => [s.Action].flat().join(' ') === 'kms:Decrypt kms:GenerateDataKey');
    expect(kms?.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
        'kms:EncryptionContext:SecretARN': kms?.Condition?.StringEquals?.['kms:EncryptionContext:SecretARN'],
      },
    });
    expect(resolvedIds(kms?.Condition?.StringEquals?.['kms:EncryptionContext:SecretARN'])).toEqual(secretIds);
    expect(resolveReference(synth(), 'inventory', kms?.Resource)).toMatchObject({ resource: { Type: 'AWS::KMS::Key' }, attribute: 'Arn' });
  });

  test('every secret has an AwsSolutions-SMG4 acknowledgement: the inventory secrets because their schedules are in the Inventory stack', () => {
    const report = JSON.parse(fs.readFileSync(path.join(synth().outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{
        violations: Array<{ ruleName: string }>;
        suppressedViolations?: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }>;
      }>;
    };
    const acknowledged = report.pluginReports
      .flatMap((p) => p.suppressedViolations ?? [])
      .filter((v) => v.ruleName === 'AwsSolutions-SMG4')
      .flatMap((v) => v.violatingConstructs.map((c) => c.constructPath.split('/')[1]))
      .sort();
    // Staging and prod also hold the synthetic canary's smoke customer (lib/constructs/smoke-canary.ts).
    const canary = synth().config.synthetics ? ['SmokeCanary'] : [];
    const inventory = synth().config.inventoryProviders.map((id) => `InventoryProvider${pascalCase(id)}Secret`);
    expect(acknowledged).toEqual([...canary, ...inventory, 'CursorSigningKey', 'FulfilmentApiKey', 'StripeApiKey', 'StripeWebhookSecrets'].sort());
    expect(report.pluginReports.flatMap((p) => p.violations).filter((v) => v.ruleName === 'AwsSolutions-SMG4')).toEqual([]);
  });
});
