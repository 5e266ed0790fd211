import { parseInventoryHmacSecret } from '../../../shared/domain/inventory/hmac-secrets';
import {
  ROTATION_STEPS,
  rotateInventoryHmacSecret,
  rotateInventoryHmacSecretAudited,
  SecretRotationError,
} from '../../../shared/domain/inventory/rotate-hmac-secret';
import { FakeAuditLog } from '../../support/order-fakes';
import { FakeSecretVersions } from '../../support/fake-secret-versions';

const SECRET = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:stockade/dev/inventory/acme-warehouse/hmac-AbCdEf';
const TOKEN = '8b0f6a52-1f0e-4c57-9a0e-6c0b8d1f2a3b';
const OLD = 'a'.repeat(64);
const NOW = new Date('2026-03-01T12:00:00.000Z');

function setUp(initial = JSON.stringify({ current: OLD })) {
  const secrets = new FakeSecretVersions(SECRET, initial);
  let generated = 0;
  const deps = { secrets, now: () => NOW, newSecret: () => (++generated).toString(16).padStart(64, 'c') };
  const step = (name: (typeof ROTATION_STEPS)[number], token = TOKEN) => rotateInventoryHmacSecret(deps, { step: name, secretId: SECRET, token });
  const rotate = async (token = TOKEN) => {
    secrets.startRotation(token);
    const outcomes = [];
    for (const name of ROTATION_STEPS) outcomes.push(await step(name, token));
    return outcomes;
  };
  return { secrets, step, rotate };
}

describe('rotateInventoryHmacSecret', () => {
  test('the four steps make a new current secret and keep the old one as previous', async () => {
    const { secrets, rotate } = setUp();
    expect(await rotate()).toEqual(['created', 'nothing-to-set', 'tested', 'promoted']);
    const current = parseInventoryHmacSecret(secrets.valueAt('AWSCURRENT') as string);
    expect(current).toEqual({ current: expect.stringMatching(/^[0-9a-f]{64}$/), previous: OLD, rotatedAt: NOW.toISOString() });
    expect(current.current).not.toBe(OLD);
    expect(JSON.parse(secrets.valueAt('AWSPREVIOUS') as string)).toEqual({ current: OLD });
    expect([...(secrets.versions.get(TOKEN)?.stages ?? [])]).toContain('AWSCURRENT');
  });

  test('a second rotation drops the secret two rotations old', async () => {
    const { secrets, rotate } = setUp();
    await rotate();
    const first = parseInventoryHmacSecret(secrets.valueAt('AWSCURRENT') as string);
    await rotate('1d7c3c1e-6a45-4f1b-8f44-0e2d6f7a9b10');
    const second = parseInventoryHmacSecret(secrets.valueAt('AWSCURRENT') as string);
    expect(second.previous).toBe(first.current);
    expect(JSON.stringify(second)).not.toContain(OLD);
  });

  test('every step is idempotent: repeating any of them, or the whole rotation, writes nothing more', async () => {
    const { secrets, step, rotate } = setUp();
    secrets.startRotation(TOKEN);
    expect(await step('createSecret')).toBe('created');
    const pending = secrets.valueAt('AWSPENDING');
    expect(await step('createSecret')).toBe('pending-exists');
    expect(secrets.valueAt('AWSPENDING')).toBe(pending);
    expect(await step('setSecret')).toBe('nothing-to-set');
    expect(await step('testSecret')).toBe('tested');
    expect(await step('testSecret')).toBe('tested');
    expect(await step('finishSecret')).toBe('promoted');
    expect(await step('finishSecret')).toBe('already-current');
    expect(await rotate()).toEqual(['already-current', 'already-current', 'already-current', 'already-current']);
    expect(secrets.writes).toEqual([`put ${TOKEN}`, `promote ${TOKEN}`]);
    expect(secrets.valueAt('AWSCURRENT')).toBe(pending);
  });

  test('refuses a secret without rotation enabled', async () => {
    const { secrets, rotate } = setUp();
    secrets.rotationEnabled = false;
    await expect(rotate()).rejects.toThrow(new SecretRotationError(`Secret ${SECRET} is not enabled for rotation`));
  });

  test('refuses a token that is not a version of the secret, or not one labelled AWSPENDING', async () => {
    const { secrets, step } = setUp();
    await expect(step('createSecret')).rejects.toThrow(`Secret version ${TOKEN} has no stage for rotation of secret ${SECRET}`);
    secrets.versions.set(TOKEN, { value: JSON.stringify({ current: 'd'.repeat(64) }), stages: new Set(['AWSPREVIOUS']) });
    await expect(step('createSecret')).rejects.toThrow(`Secret version ${TOKEN} is not labelled AWSPENDING`);
    expect(secrets.writes).toEqual([]);
  });

  test('a malformed current value fails createSecret without writing anything, and without quoting it', async () => {
    const { secrets, step } = setUp(OLD);
    secrets.startRotation(TOKEN);
    const error = await step('createSecret').catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/HMAC secret is malformed: it is not JSON/);
    expect((error as Error).message).not.toContain(OLD);
    expect(secrets.writes).toEqual([]);
  });

  test('testSecret fails a pending value that does not rotate the current secret', async () => {
    const { secrets, step } = setUp();
    const cases = [
      [JSON.stringify({ current: OLD }), /does not change the current secret/],
      [JSON.stringify({ current: 'e'.repeat(64), previous: 'f'.repeat(64), rotatedAt: NOW.toISOString() }), /does not keep the current secret as previous/],
      [JSON.stringify({ current: 'e'.repeat(64), previous: OLD }), /rotatedAt: is required with previous/],
      ['{}', /current: /],
    ] as const;
    for (const [value, message] of cases) {
      secrets.versions.set(TOKEN, { value, stages: new Set(['AWSPENDING']) });
      await expect(step('testSecret')).rejects.toThrow(message);
    }
    secrets.versions.set(TOKEN, { stages: new Set(['AWSPENDING']) });
    await expect(step('testSecret')).rejects.toThrow(/has no value to test/);
    expect(secrets.valueAt('AWSCURRENT')).toBe(JSON.stringify({ current: OLD }));
  });
});

describe('rotateInventoryHmacSecretAudited', () => {
  test('audits the steps that change the secret, as the rotation function, and a failed step; never a value', async () => {
    const secrets = new FakeSecretVersions(SECRET, JSON.stringify({ current: OLD }));
    const audit = new FakeAuditLog();
    const deps = { secrets, now: () => NOW, newSecret: () => 'd'.repeat(64), audit, rotator: 'Stockade-dev-RotateInventorySecret' };
    secrets.startRotation(TOKEN);
    for (const step of ROTATION_STEPS) await rotateInventoryHmacSecretAudited(deps, { step, secretId: SECRET, token: TOKEN });
    // A repeated step changes nothing and is not audited.
    expect(await rotateInventoryHmacSecretAudited(deps, { step: 'finishSecret', secretId: SECRET, token: TOKEN })).toBe('already-current');
    await expect(rotateInventoryHmacSecretAudited(deps, { step: 'testSecret', secretId: SECRET, token: 'no-such-version' })).rejects.toBeInstanceOf(
      SecretRotationError,
    );
    const base = { at: NOW.toISOString(), actor: 'Stockade-dev-RotateInventorySecret', action: 'secret.rotate', target: `secret:${SECRET}` };
    expect(audit.events).toEqual([
      { ...base, outcome: 'succeeded', detail: `createSecret: created version ${TOKEN}` },
      { ...base, outcome: 'succeeded', detail: `finishSecret: promoted version ${TOKEN}` },
      { ...base, outcome: 'failed', detail: expect.stringMatching(/^testSecret of version no-such-version: Secret version no-such-version /) as unknown },
    ]);
    expect(JSON.stringify(audit.events)).not.toContain('d'.repeat(64));
    expect(JSON.stringify(audit.events)).not.toContain(OLD);
  });
});
