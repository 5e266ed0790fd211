import {
  acceptedInventoryHmacSecrets,
  InvalidInventoryHmacSecretError,
  parseInventoryHmacSecret,
  rotatedInventoryHmacSecret,
  serializeInventoryHmacSecret,
} from '../../../shared/domain/inventory/hmac-secrets';

const CURRENT = 'a'.repeat(64);
const PREVIOUS = '0123456789abcdef'.repeat(4);
const ROTATED_AT = '2026-03-01T12:00:00.000Z';
const HOUR = 3_600_000;
const rotated = JSON.stringify({ current: CURRENT, previous: PREVIOUS, rotatedAt: ROTATED_AT });
const at = (ms: number) => new Date(Date.parse(ROTATED_AT) + ms);

describe('parseInventoryHmacSecret', () => {
  test('accepts a fresh value and a rotated one', () => {
    expect(parseInventoryHmacSecret(JSON.stringify({ current: CURRENT }))).toEqual({ current: CURRENT });
    expect(parseInventoryHmacSecret(rotated)).toEqual({ current: CURRENT, previous: PREVIOUS, rotatedAt: ROTATED_AT });
  });

  test('accepts a rotation time with an offset', () => {
    expect(parseInventoryHmacSecret(JSON.stringify({ current: CURRENT, previous: PREVIOUS, rotatedAt: '2026-03-01T13:00:00+01:00' })).rotatedAt).toBe(
      '2026-03-01T13:00:00+01:00',
    );
  });

  test.each([
    ['a bare hex string (the old format)', CURRENT, /it is not JSON/],
    ['JSON that is not an object', JSON.stringify([CURRENT]), /malformed: .*expected object/],
    ['no current', JSON.stringify({ previous: PREVIOUS, rotatedAt: ROTATED_AT }), /current: /],
    ['a current that is too short', JSON.stringify({ current: 'ab'.repeat(16) }), /current: must be 64 lowercase hex characters/],
    ['a current in upper case', JSON.stringify({ current: 'A'.repeat(64) }), /current: must be 64 lowercase hex characters/],
    ['a current that is not hex', JSON.stringify({ current: 'g'.repeat(64) }), /current: must be 64 lowercase hex characters/],
    [
      'a previous that is not whole bytes of hex',
      JSON.stringify({ current: CURRENT, previous: 'abc', rotatedAt: ROTATED_AT }),
      /previous: must be lowercase hex of at least 16 bytes/,
    ],
    [
      'a previous of half a byte more',
      JSON.stringify({ current: CURRENT, previous: `${PREVIOUS}0`, rotatedAt: ROTATED_AT }),
      /previous: must be lowercase hex of at least 16 bytes/,
    ],
    [
      'a previous of fewer than 16 bytes',
      JSON.stringify({ current: CURRENT, previous: 'ab'.repeat(15), rotatedAt: ROTATED_AT }),
      /previous: must be lowercase hex of at least 16 bytes/,
    ],
    ['a previous without rotatedAt', JSON.stringify({ current: CURRENT, previous: PREVIOUS }), /rotatedAt: is required with previous/],
    ['a previous equal to current', JSON.stringify({ current: CURRENT, previous: CURRENT, rotatedAt: ROTATED_AT }), /previous: must differ from current/],
    [
      'a rotatedAt that is not a date-time',
      JSON.stringify({ current: CURRENT, previous: PREVIOUS, rotatedAt: 'yesterday' }),
      /rotatedAt: must be an ISO 8601 date-time/,
    ],
    ['a date without a time', JSON.stringify({ current: CURRENT, previous: PREVIOUS, rotatedAt: '2026-03-01' }), /rotatedAt: must be an ISO 8601 date-time/],
    ['an unknown field', JSON.stringify({ current: CURRENT, next: PREVIOUS }), /malformed: .*"next"/],
  ])('rejects %s with a message that names the problem', (_case, value, message) => {
    expect(() => parseInventoryHmacSecret(value)).toThrow(InvalidInventoryHmacSecretError);
    expect(() => parseInventoryHmacSecret(value)).toThrow(message);
  });

  test('never quotes the value in its error', () => {
    const secretLooking = `not json ${CURRENT}`;
    for (const value of [
      secretLooking,
      JSON.stringify({ current: `${CURRENT}0` }),
      JSON.stringify({ current: CURRENT, previous: 'zz'.repeat(20), rotatedAt: ROTATED_AT }),
    ]) {
      let message = '';
      try {
        parseInventoryHmacSecret(value);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^Inventory provider HMAC secret is malformed: /);
      expect(message).not.toContain(CURRENT);
      expect(message).not.toContain('zz'.repeat(20));
    }
  });
});

describe('acceptedInventoryHmacSecrets', () => {
  const grace = { graceHours: 24 };

  test('a value never rotated accepts its current secret only', () => {
    expect(acceptedInventoryHmacSecrets(JSON.stringify({ current: CURRENT }), { now: new Date(), ...grace })).toEqual([CURRENT]);
  });

  test('accepts current and previous from the rotation until just before the grace period ends', () => {
    expect(acceptedInventoryHmacSecrets(rotated, { now: at(0), ...grace })).toEqual([CURRENT, PREVIOUS]);
    expect(acceptedInventoryHmacSecrets(rotated, { now: at(23 * HOUR), ...grace })).toEqual([CURRENT, PREVIOUS]);
    expect(acceptedInventoryHmacSecrets(rotated, { now: at(24 * HOUR - 1), ...grace })).toEqual([CURRENT, PREVIOUS]);
  });

  test('accepts only current from the instant the grace period ends', () => {
    expect(acceptedInventoryHmacSecrets(rotated, { now: at(24 * HOUR), ...grace })).toEqual([CURRENT]);
    expect(acceptedInventoryHmacSecrets(rotated, { now: at(24 * HOUR + 1), ...grace })).toEqual([CURRENT]);
    expect(acceptedInventoryHmacSecrets(rotated, { now: at(400 * 24 * HOUR), ...grace })).toEqual([CURRENT]);
  });

  test('measures the grace period from the instant rotatedAt names, whatever its offset', () => {
    const withOffset = JSON.stringify({ current: CURRENT, previous: PREVIOUS, rotatedAt: '2026-03-01T13:00:00+01:00' });
    expect(acceptedInventoryHmacSecrets(withOffset, { now: at(HOUR - 1), graceHours: 1 })).toEqual([CURRENT, PREVIOUS]);
    expect(acceptedInventoryHmacSecrets(withOffset, { now: at(HOUR), graceHours: 1 })).toEqual([CURRENT]);
  });

  test('a rotation stamped slightly in the future (clock skew) still accepts previous', () => {
    expect(acceptedInventoryHmacSecrets(rotated, { now: at(-5_000), ...grace })).toEqual([CURRENT, PREVIOUS]);
  });

  test('no grace period accepts only current, even at the rotation instant', () => {
    expect(acceptedInventoryHmacSecrets(rotated, { now: at(0), graceHours: 0 })).toEqual([CURRENT]);
  });

  test('refuses a malformed value and a meaningless grace period', () => {
    expect(() => acceptedInventoryHmacSecrets(CURRENT, { now: at(0), ...grace })).toThrow(InvalidInventoryHmacSecretError);
    expect(() => acceptedInventoryHmacSecrets(rotated, { now: at(0), graceHours: -1 })).toThrow(RangeError);
    expect(() => acceptedInventoryHmacSecrets(rotated, { now: at(0), graceHours: Number.NaN })).toThrow(RangeError);
  });
});

describe('rotatedInventoryHmacSecret', () => {
  const NEW = 'b'.repeat(64);

  test('makes the new secret current and keeps the old current as previous, dropping any older one', () => {
    const next = rotatedInventoryHmacSecret(parseInventoryHmacSecret(rotated), NEW, at(HOUR));
    expect(next).toEqual({ current: NEW, previous: CURRENT, rotatedAt: at(HOUR).toISOString() });
    expect(parseInventoryHmacSecret(serializeInventoryHmacSecret(next))).toEqual(next);
  });

  test('refuses a new secret equal to the current one or of the wrong form', () => {
    expect(() => rotatedInventoryHmacSecret({ current: CURRENT }, CURRENT, at(0))).toThrow(/must produce a new secret/);
    expect(() => rotatedInventoryHmacSecret({ current: CURRENT }, 'short', at(0))).toThrow(/current: must be 64 lowercase hex characters/);
  });
});
