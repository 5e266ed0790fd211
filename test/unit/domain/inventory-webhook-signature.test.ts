import { createHmac } from 'node:crypto';
import { UnauthorizedError } from '../../../shared/domain/errors';
import {
  INVENTORY_SIGNATURE_TOLERANCE_SECONDS,
  inventorySignature,
  inventorySignatureHeaders,
  verifyInventorySignature,
} from '../../../shared/domain/inventory/webhook-signature';

const SECRET = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const NOW = new Date('2026-03-01T12:00:00.000Z');
const T = Math.floor(NOW.getTime() / 1000);
const body = JSON.stringify({ eventId: 'evt-1', occurredAt: '2026-03-01T11:59:00Z', updates: [{ externalSku: 'ACME-10001', quantity: 12 }] });

const verify = (overrides: Partial<Parameters<typeof verifyInventorySignature>[0]> = {}) =>
  verifyInventorySignature({ rawBody: body, timestamp: String(T), signature: inventorySignature(SECRET, T, body), secrets: [SECRET], now: NOW, ...overrides });

describe('inventory webhook signatures', () => {
  test('v1 is the hex HMAC-SHA256 of "{timestamp}.{rawBody}" (computed independently here)', () => {
    expect(inventorySignature(SECRET, T, body)).toBe(`v1=${createHmac('sha256', SECRET).update(`${T}.${body}`).digest('hex')}`);
    expect(inventorySignatureHeaders(SECRET, body, NOW)).toEqual({
      'X-Stockade-Timestamp': String(T),
      'X-Stockade-Signature': inventorySignature(SECRET, T, body),
    });
  });

  test('accepts a body signed now with an accepted secret, and at either edge of the tolerance', () => {
    expect(() => verify()).not.toThrow();
    for (const skew of [-INVENTORY_SIGNATURE_TOLERANCE_SECONDS, INVENTORY_SIGNATURE_TOLERANCE_SECONDS]) {
      const at = T + skew;
      expect(() => verify({ timestamp: String(at), signature: inventorySignature(SECRET, at, body) })).not.toThrow();
    }
  });

  test('accepts any of several secrets (current and previous during a rotation), and one matching v1 among several', () => {
    expect(() => verify({ secrets: [OTHER, SECRET] })).not.toThrow();
    expect(() => verify({ signature: `${inventorySignature(OTHER, T, body)}, ${inventorySignature(SECRET, T, body)}` })).not.toThrow();
  });

  test.each<[string, Partial<Parameters<typeof verifyInventorySignature>[0]>]>([
    ['unsigned (no headers)', { timestamp: undefined, signature: undefined }],
    ['without a timestamp', { timestamp: undefined }],
    ['without a signature', { signature: undefined }],
    ['with an empty signature', { signature: '' }],
    ['with a timestamp that is not unix seconds', { timestamp: '2026-03-01T12:00:00Z' }],
    ['with a negative timestamp', { timestamp: `-${T}` }],
    ['stale (301 s old)', { timestamp: String(T - 301), signature: inventorySignature(SECRET, T - 301, body) }],
    ['from the future (301 s ahead)', { timestamp: String(T + 301), signature: inventorySignature(SECRET, T + 301, body) }],
    ['with a tampered body', { rawBody: body.replace('12', '13') }],
    ['with one trailing byte added to the body', { rawBody: `${body} ` }],
    ['signed with another secret', { signature: inventorySignature(OTHER, T, body) }],
    ['signed at another time than the header says', { timestamp: String(T - 1) }],
    ['with a signature of another scheme version', { signature: inventorySignature(SECRET, T, body).replace('v1=', 'v0=') }],
    ['with a truncated signature', { signature: inventorySignature(SECRET, T, body).slice(0, -2) }],
    ['with upper-case hex', { signature: `v1=${inventorySignature(SECRET, T, body).slice(3).toUpperCase()}` }],
    ['when no secret is accepted', { secrets: [] }],
  ])('refuses a request %s with UnauthorizedError', (_name, overrides) => {
    expect(() => verify(overrides)).toThrow(UnauthorizedError);
  });

  test('the error never quotes a secret or the expected signature', () => {
    let message = '';
    try {
      verify({ signature: inventorySignature(OTHER, T, body) });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/does not match/);
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain(inventorySignature(SECRET, T, body).slice(3));
  });
});
