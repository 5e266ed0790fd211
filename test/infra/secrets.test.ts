import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROVIDER_ID_TAG, SECRET_KIND_TAG } from '../../lib/config/tags';
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

/** The one function of the Secrets stack: the inventory secret rotation function. */
function rotationFunction(synth: SynthesizedStage): { logicalId: string; resource: CfnResourceJson } {
  const functions = Object.entries(resourcesOfType(synth.templates.secrets, 'AWS::Lambda::Function'));
  expect(functions.map(([id]) => id.replace(/[A-F0-9]{8}$/, ''))).toEqual(['RotateInventorySecret']);
  const [logicalId, resource] = functions[0] as [string, CfnResourceJson];
  return { logicalId, resource };
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
    const schedules = Object.values(resourcesOfType(synth().templates.secrets, 'AWS::SecretsManager::RotationSchedule'));
    const { logicalId: fn } = rotationFunction(synth());
    const rotated = schedules.map((s) => resolveReference(synth(), 'secrets', s.Properties?.SecretId)?.logicalId).sort();
    expect(rotated).toEqual(Object.values(inventorySecrets(synth())).sort());
    for (const s of schedules) {
      expect(s.Properties).toEqual({
        SecretId: s.Properties?.SecretId,
        RotationLambdaARN: { 'Fn::GetAtt': [fn, 'Arn'] },
        RotationRules: { AutomaticallyAfterDays: synth().config.secrets.inventoryRotationDays },
      });
    }
  });

  test('Secrets Manager of this account, and nothing else, may invoke the rotation function, before any schedule exists', () => {
    const { logicalId: fn } = rotationFunction(synth());
    const permissions = Object.entries(resourcesOfType(synth().templates.secrets, 'AWS::Lambda::Permission'));
    expect(permissions.map(([, p]) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
        Principal: 'secretsmanager.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
      },
    ]);
    const [permissionId] = permissions[0] as [string, CfnResourceJson];
    for (const s of Object.values(resourcesOfType(synth().templates.secrets, 'AWS::SecretsManager::RotationSchedule'))) {
      expect([s.DependsOn ?? []].flat()).toEqual(expect.arrayContaining([permissionId, fn]));
    }
  });

  test('the rotation function may use exactly the rotation calls on the inventory secrets and their key, through Secrets Manager', () => {
    const { resource } = rotationFunction(synth());
    const role = resolveReference(synth(), 'secrets', (resource.Properties?.Role as Record<string, unknown>) ?? {});
    const policies = Object.values(resourcesOfType(synth().templates.secrets, 'AWS::IAM::ManagedPolicy')).filter((p) =>
      (p.Properties?.Roles as unknown[]).some((r) => resolveReference(synth(), 'secrets', r)?.logicalId === role?.logicalId),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0]?.Properties?.PolicyDocument as { Statement: StatementJson[] }).Statement;
    const secretRefs = Object.values(inventorySecrets(synth())).map((id) => ({ Ref: id }));
    const secretResource = secretRefs.length === 1 ? secretRefs[0] : secretRefs;
    const byActions = Object.fromEntries(statements.map((s) => [[s.Action].flat().join(' '), s]));
    expect(Object.keys(byActions).sort()).toEqual([
      'kms:Decrypt kms:GenerateDataKey',
      'logs:CreateLogStream logs:PutLogEvents',
      'secretsmanager:DescribeSecret secretsmanager:GetSecretValue secretsmanager:PutSecretValue secretsmanager:UpdateSecretVersionStage',
      'xray:PutTelemetryRecords xray:PutTraceSegments',
    ]);
    expect(
      byActions['secretsmanager:DescribeSecret secretsmanager:GetSecretValue secretsmanager:PutSecretValue secretsmanager:UpdateSecretVersionStage'],
    ).toEqual({
      Effect: 'Allow',
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
      Resource: secretResource,
    });
    const kms = byActions['kms:Decrypt kms:GenerateDataKey'];
    expect(kms?.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
        'kms:EncryptionContext:SecretARN': secretRefs,
      },
    });
    expect(resolveReference(synth(), 'secrets', kms?.Resource)).toMatchObject({ resource: { Type: 'AWS::KMS::Key' }, attribute: 'Arn' });
  });

  test('only the inventory secrets go without an AwsSolutions-SMG4 acknowledgement: their rotation schedule satisfies it', () => {
    const report = JSON.parse(fs.readFileSync(path.join(synth().app.outdir, 'validation-report.json'), 'utf8')) as {
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
    expect(acknowledged).toEqual([...canary, 'CursorSigningKey', 'FulfilmentApiKey', 'StripeApiKey', 'StripeWebhookSecrets'].sort());
    expect(report.pluginReports.flatMap((p) => p.violations).filter((v) => v.ruleName === 'AwsSolutions-SMG4')).toEqual([]);
  });
});
