import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ListSecretsCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { resolveStageConfig } from '../../lib/config/stages';
import { PROVIDER_ID_TAG, SECRET_KIND_TAG } from '../../lib/config/tags';
import { acceptedInventoryHmacSecrets, parseInventoryHmacSecret } from '../../shared/domain/inventory/hmac-secrets';
import { DynamoDbAuditHistory } from '../../shared/adapters/dynamodb-audit-history';
import { localCredentials, testEndpoints } from '../support/endpoints';
import { runtimeStores } from '../support/runtime-stores';

const PROVIDER = 'acme-warehouse';
const HOUR = 3_600_000;

/**
 * Rotation of an inventory provider's HMAC secret through the real SDK: RotateSecret on the runtime's Secrets Manager
 * stand-in runs the template's rotation function (the bundled handler, in the Lambda service) through its four steps.
 * This rotates the runtime's own acme-warehouse secret once; the value in endpoints.json stays accepted as `previous`
 * for the grace period, so other tests signing with it are not affected.
 */
describe('inventory provider HMAC secret rotation', () => {
  const endpoints = testEndpoints();
  const client = new SecretsManagerClient({ endpoint: endpoints.aws.secretsManager, region: endpoints.region, credentials: localCredentials });
  const { inventoryGraceHours, inventoryRotationDays } = resolveStageConfig({ stage: 'dev' }).secrets;
  afterAll(() => client.destroy());

  const providerSecretArn = async () => {
    const { SecretList = [] } = await client.send(new ListSecretsCommand({}));
    const tag = (s: (typeof SecretList)[number], key: string) => s.Tags?.find((t) => t.Key === key)?.Value;
    const found = SecretList.find((s) => tag(s, SECRET_KIND_TAG) === 'inventory-provider-hmac' && tag(s, PROVIDER_ID_TAG) === PROVIDER);
    if (!found?.ARN) throw new Error(`The runtime has no HMAC secret for ${PROVIDER}`);
    return found.ARN;
  };

  it('rotates on RotateSecret: a new current, the old current as previous, the old version as AWSPREVIOUS', async () => {
    const secretId = await providerSecretArn();
    const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
    // From the template's rotation schedule.
    expect(described).toMatchObject({
      RotationEnabled: true,
      RotationLambdaARN: expect.stringMatching(/:function:.*RotateInventorySecret/),
      RotationRules: { AutomaticallyAfterDays: inventoryRotationDays },
    });

    const before = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    const old = parseInventoryHmacSecret(before.SecretString as string);
    expect(old.current).toBe(endpoints.inventoryProviders[PROVIDER]?.secret);

    const token = randomUUID();
    const startedAt = Date.now();
    const rotation = await client.send(new RotateSecretCommand({ SecretId: secretId, ClientRequestToken: token }));
    expect(rotation.VersionId).toBe(token);

    const current = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
    expect(current.VersionId).toBe(token);
    const rotated = parseInventoryHmacSecret(current.SecretString as string);
    expect(rotated.current).toMatch(/^[0-9a-f]{64}$/);
    expect(rotated.current).not.toBe(old.current);
    expect(rotated.previous).toBe(old.current);
    const rotatedAt = Date.parse(rotated.rotatedAt as string);
    expect(rotatedAt).toBeGreaterThanOrEqual(startedAt - 1_000);
    expect(rotatedAt).toBeLessThanOrEqual(Date.now() + 1_000);

    const previous = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSPREVIOUS' }));
    expect({ VersionId: previous.VersionId, SecretString: previous.SecretString }).toEqual({ VersionId: before.VersionId, SecretString: before.SecretString });
    const byVersion = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: before.VersionId }));
    expect(byVersion.VersionStages).toEqual(['AWSPREVIOUS']);
    // The rotation is over: AWSPENDING left the new version when it became current.
    await expect(client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSPENDING' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect((await client.send(new DescribeSecretCommand({ SecretId: secretId }))).LastRotatedDate).toBeDefined();

    // The steps that changed the secret are in the audit trail, as the rotation function, with no secret value.
    const rotator = Object.keys(endpoints.functions ?? {}).find((name) => name.includes('RotateInventorySecret')) as string;
    const stores = runtimeStores(endpoints);
    const audited = (await new DynamoDbAuditHistory(stores.dynamodb, stores.tableName('AuditTable')).byActor(rotator, 100)).items.filter((e) =>
      e.detail?.includes(token),
    );
    stores.dynamodb.destroy();
    expect(audited.map((e) => [e.action, e.target, e.outcome, e.detail?.split(':')[0]]).sort()).toEqual([
      ['secret.rotate', `secret:${secretId}`, 'succeeded', 'createSecret'],
      ['secret.rotate', `secret:${secretId}`, 'succeeded', 'finishSecret'],
    ]);
    for (const e of audited) expect(JSON.stringify(e)).not.toContain(rotated.current);

    // Webhooks signed with either secret verify during the grace period; only the new one after it.
    const value = current.SecretString as string;
    expect(acceptedInventoryHmacSecrets(value, { now: new Date(), graceHours: inventoryGraceHours })).toEqual([rotated.current, old.current]);
    expect(acceptedInventoryHmacSecrets(value, { now: new Date(rotatedAt + inventoryGraceHours * HOUR - 1), graceHours: inventoryGraceHours })).toEqual([
      rotated.current,
      old.current,
    ]);
    expect(acceptedInventoryHmacSecrets(value, { now: new Date(rotatedAt + inventoryGraceHours * HOUR), graceHours: inventoryGraceHours })).toEqual([
      rotated.current,
    ]);

    // The same ClientRequestToken again: every step finds its work done; no second version, nothing changes.
    const stagesAfterFirst = (await client.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages;
    const again = await client.send(new RotateSecretCommand({ SecretId: secretId, ClientRequestToken: token }));
    expect(again.VersionId).toBe(token);
    expect((await client.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages).toEqual(stagesAfterFirst);
    expect((await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString).toBe(value);

    // The function logged each step without a secret value.
    const log = await rotationLog(4 + 4);
    expect(log).toContain(token);
    for (const secret of [old.current, rotated.current]) expect(log).not.toContain(secret);
  }, 60_000);

  it('a rotation that fails leaves the current value and its pending version, and blocks another token until it is finished', async () => {
    // A secret of this test's own: the rotation function's role is granted only the providers' secrets, so IAM refuses
    // its first call, as AWS would (the refusal of a malformed value is the handler's unit test).
    const name = `stockade/test/inventory-rotation-${Date.now()}`;
    const { ARN: secretId } = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'ab'.repeat(32) }));
    const { RotationLambdaARN } = await client.send(new DescribeSecretCommand({ SecretId: await providerSecretArn() }));
    const token = randomUUID();
    const failure = client.send(
      new RotateSecretCommand({ SecretId: secretId, ClientRequestToken: token, RotationLambdaARN, RotationRules: { AutomaticallyAfterDays: 1 } }),
    );
    await expect(failure).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(failure).rejects.toThrow(
      /failed at createSecret.*AccessDeniedException: User: .*RotateInventorySecret.* is not authorized to perform: secretsmanager:/,
    );

    expect((await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString).toBe('ab'.repeat(32));
    const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
    expect(described.RotationEnabled).toBe(true);
    expect(described.VersionIdsToStages?.[token]).toEqual(['AWSPENDING']);
    // The pending version is the placeholder RotateSecret made: it has no value.
    await expect(client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSPENDING' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new RotateSecretCommand({ SecretId: secretId, ClientRequestToken: randomUUID() }))).rejects.toThrow(
      /previous rotation isn't complete/,
    );
  }, 60_000);

  /** The rotation function's log, once it holds at least `lines` step records. */
  async function rotationLog(lines: number): Promise<string> {
    const logs = path.join(path.dirname(process.env.STOCKADE_ENDPOINTS as string), 'logs');
    const file = readdirSync(logs).find((f) => f.startsWith('RotateInventorySecret'));
    if (!file) throw new Error(`No rotation function log in ${logs}`);
    const deadline = Date.now() + 5_000;
    let text = '';
    while (Date.now() < deadline) {
      text = existsSync(path.join(logs, file)) ? readFileSync(path.join(logs, file), 'utf8') : '';
      if ((text.match(/Rotation step done/g) ?? []).length >= lines) return text;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`The rotation function logged ${(text.match(/Rotation step done/g) ?? []).length} steps, expected ${lines}`);
  }
});
