import * as z from '../../validation/zod';

/** A freshly generated secret: 32 random bytes as lowercase hex. */
const CURRENT_SECRET = /^[0-9a-f]{64}$/;
/** A secret still accepted for a while: lowercase hex of whole bytes, at least 16 of them. */
const isPreviousSecret = (value: string) => value.length >= 32 && value.length % 2 === 0 && /^[0-9a-f]+$/.test(value);

const schema = z
  .strictObject({
    current: z.string().check(z.regex(CURRENT_SECRET, 'must be 64 lowercase hex characters (32 random bytes)')),
    previous: z.optional(z.string().check(z.refine(isPreviousSecret, 'must be lowercase hex of at least 16 bytes'))),
    rotatedAt: z.optional(z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-01-31T12:00:00.000Z' })),
  })
  .check(
    z.refine((s) => s.previous === undefined || s.rotatedAt !== undefined, {
      message: 'is required with previous: it bounds how long previous is accepted',
      path: ['rotatedAt'],
    }),
    z.refine((s) => s.previous === undefined || s.previous !== s.current, { message: 'must differ from current', path: ['previous'] }),
  );

/**
 * The value of an inventory provider's HMAC secret (kind `inventory-provider-hmac`): the secret providers sign with
 * now, and after a rotation the one before it and when it was replaced, so webhooks signed just before a rotation
 * still verify for a grace period.
 */
export type InventoryHmacSecret = z.infer<typeof schema>;

/** The secret value is not a valid inventory HMAC secret. The message names what is wrong, never the value. */
export class InvalidInventoryHmacSecretError extends Error {
  override readonly name = 'InvalidInventoryHmacSecretError';
}

/**
 * Parses a secret value strictly: JSON `{ "current": "<64 hex>", "previous"?: "<hex>", "rotatedAt"?: "<ISO time>" }`,
 * no other fields, `previous` only with `rotatedAt`.
 * @throws InvalidInventoryHmacSecretError when the value is malformed
 */
export function parseInventoryHmacSecret(secretString: string): InventoryHmacSecret {
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    // The parser's own message would quote the value.
    throw new InvalidInventoryHmacSecretError('Inventory provider HMAC secret is malformed: it is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
    throw new InvalidInventoryHmacSecretError(`Inventory provider HMAC secret is malformed: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/**
 * The secrets a signature may be made with at `now`: always `current`; also `previous` while
 * `now < rotatedAt + graceHours` (at exactly that instant it is no longer accepted).
 * @throws InvalidInventoryHmacSecretError when the value is malformed
 */
export function acceptedInventoryHmacSecrets(secretString: string, at: { now: Date; graceHours: number }): string[] {
  if (!Number.isFinite(at.graceHours) || at.graceHours < 0) throw new RangeError(`graceHours must be a finite number >= 0, got ${at.graceHours}`);
  const secret = parseInventoryHmacSecret(secretString);
  if (secret.previous === undefined || secret.rotatedAt === undefined) return [secret.current];
  const graceEnds = Date.parse(secret.rotatedAt) + at.graceHours * 3_600_000;
  return at.now.getTime() < graceEnds ? [secret.current, secret.previous] : [secret.current];
}

/**
 * The value after a rotation: `newCurrent` signs from now on, the old current becomes `previous`, `rotatedAt` is now.
 * Any older previous is dropped.
 */
export function rotatedInventoryHmacSecret(secret: InventoryHmacSecret, newCurrent: string, now: Date): InventoryHmacSecret {
  if (newCurrent === secret.current) throw new InvalidInventoryHmacSecretError('Inventory provider HMAC secret rotation must produce a new secret');
  // Validate the new value as a whole, so a rotation cannot write a value that would then fail to parse.
  return parseInventoryHmacSecret(serializeInventoryHmacSecret({ current: newCurrent, previous: secret.current, rotatedAt: now.toISOString() }));
}

/** The secret value as stored: JSON with the fields in a fixed order. */
export function serializeInventoryHmacSecret(secret: InventoryHmacSecret): string {
  const { current, previous, rotatedAt } = secret;
  return JSON.stringify({ current, ...(previous === undefined ? {} : { previous }), ...(rotatedAt === undefined ? {} : { rotatedAt }) });
}
