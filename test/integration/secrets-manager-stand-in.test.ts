import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { CloudAssembly } from '../../local/runtime/assembly';
import { localCredentials, testEndpoints } from '../support/endpoints';

/** The Secrets Manager stand-in, driven by the real SDK client, holding the secrets the template declares. */
describe('Secrets Manager stand-in', () => {
  const endpoints = testEndpoints();
  const client = new SecretsManagerClient({ endpoint: endpoints.aws.secretsManager, region: endpoints.region, credentials: localCredentials });
  const assembly = CloudAssembly.load(process.env.STOCKADE_TEST_CDK_OUT as string, 'dev');
  const secretNames = assembly.resourcesOfType('AWS::SecretsManager::Secret').map((s) => String(s.properties.Name));
  afterAll(() => client.destroy());

  it('holds every secret of the template, with a value', async () => {
    expect(secretNames.length).toBeGreaterThanOrEqual(3);
    for (const name of secretNames) {
      const value = await client.send(new GetSecretValueCommand({ SecretId: name }));
      expect(value.ARN?.startsWith(`arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}-`)).toBe(true);
      expect(value.ARN).toMatch(/-[A-Za-z0-9]{6}$/);
      expect(value.SecretString?.length).toBeGreaterThanOrEqual(16);
      expect(value.VersionStages).toEqual(['AWSCURRENT']);
    }
  });

  it('gives the Stripe secrets local test values of the right form', async () => {
    const apiKey = await client.send(new GetSecretValueCommand({ SecretId: secretNames.find((n) => n.endsWith('stripe/api-key')) }));
    expect(apiKey.SecretString).toMatch(/^sk_test_/);
    const webhook = await client.send(new GetSecretValueCommand({ SecretId: secretNames.find((n) => n.endsWith('stripe/webhook-secrets')) }));
    const secrets = JSON.parse(webhook.SecretString ?? '[]') as string[];
    expect(secrets).toHaveLength(1);
    expect(secrets[0]).toMatch(/^whsec_/);
  });

  it('keeps the previous version as AWSPREVIOUS when a new value becomes current, and can stage a pending one', async () => {
    // A secret of this test's own: rotating one the template declares would change what the functions read.
    const own = `stockade/test/rotation-${Date.now()}`;
    await client.send(new CreateSecretCommand({ Name: own, SecretString: 'initial-value-0000' }));
    const secretNames = [own];
    const created = await client.send(
      new PutSecretValueCommand({ SecretId: secretNames[0], SecretString: 'rotated-value-0001', ClientRequestToken: '11111111-2222-3333-4444-555555555555' }),
    );
    const current = await client.send(new GetSecretValueCommand({ SecretId: secretNames[0] }));
    expect(current.SecretString).toBe('rotated-value-0001');
    expect(current.VersionId).toBe(created.VersionId);
    const previous = await client.send(new GetSecretValueCommand({ SecretId: secretNames[0], VersionStage: 'AWSPREVIOUS' }));
    expect(previous.SecretString).not.toBe('rotated-value-0001');

    const pending = await client.send(
      new PutSecretValueCommand({ SecretId: secretNames[0], SecretString: 'pending-value-0002', VersionStages: ['AWSPENDING'] }),
    );
    expect((await client.send(new GetSecretValueCommand({ SecretId: secretNames[0] }))).SecretString).toBe('rotated-value-0001');
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretNames[0],
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: pending.VersionId,
        RemoveFromVersionId: created.VersionId,
      }),
    );
    expect((await client.send(new GetSecretValueCommand({ SecretId: secretNames[0] }))).SecretString).toBe('pending-value-0002');
    const described = await client.send(new DescribeSecretCommand({ SecretId: secretNames[0] }));
    expect(described.VersionIdsToStages?.[created.VersionId as string]).toEqual(['AWSPREVIOUS']);
  });

  it('answers an unknown secret with ResourceNotFoundException', async () => {
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'stockade/dev/no-such-secret' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
