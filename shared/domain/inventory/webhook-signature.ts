import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../errors';

/** Unix seconds when the sender signed. Header names are lower case, as the HTTP layer normalizes them. */
export const INVENTORY_TIMESTAMP_HEADER = 'x-stockade-timestamp';
/** `v1=<hex HMAC-SHA256 of "{timestamp}.{rawBody}">`; several comma-separated `v1=` values are accepted. */
export const INVENTORY_SIGNATURE_HEADER = 'x-stockade-signature';
/** How far a signature's timestamp may be from now, either way, before the request counts as a replay (or a skewed clock). */
export const INVENTORY_SIGNATURE_TOLERANCE_SECONDS = 300;

const TIMESTAMP = /^\d{1,12}$/;
const SIGNATURE = /^v1=([0-9a-f]{64})$/;

/** The `v1=` signature of a request body signed at `timestamp` (unix seconds) with `secret`. */
export function inventorySignature(secret: string, timestamp: number, rawBody: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex')}`;
}

/**
 * The headers that sign `rawBody` for the inventory webhook scheme (either direction: a provider calling Stockade,
 * Stockade calling a provider). `now` defaults to the current time.
 */
export function inventorySignatureHeaders(secret: string, rawBody: string, now: Date = new Date()): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return { 'X-Stockade-Timestamp': String(timestamp), 'X-Stockade-Signature': inventorySignature(secret, timestamp, rawBody) };
}

/**
 * Checks an inventory request's signature before anything reads its body: the timestamp must be within
 * {@link INVENTORY_SIGNATURE_TOLERANCE_SECONDS} of `now` either way, and one `v1=` value must be the HMAC-SHA256 of
 * `"{timestamp}.{rawBody}"` under one of `secrets` (compared in constant time). The error never says which check
 * failed beyond what the caller could see for itself, and never quotes a secret or an expected signature.
 * @throws UnauthorizedError when the request is unsigned, stale, from the future, or signed with no accepted secret
 */
export function verifyInventorySignature(request: {
  readonly rawBody: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly secrets: readonly string[];
  readonly now: Date;
}): void {
  const { timestamp, signature } = request;
  if (!timestamp || !signature) throw new UnauthorizedError('Missing X-Stockade-Timestamp or X-Stockade-Signature header');
  if (!TIMESTAMP.test(timestamp)) throw new UnauthorizedError('X-Stockade-Timestamp must be unix seconds');
  const signedAt = Number(timestamp);
  if (Math.abs(request.now.getTime() / 1000 - signedAt) > INVENTORY_SIGNATURE_TOLERANCE_SECONDS) {
    throw new UnauthorizedError(`The signature timestamp is more than ${INVENTORY_SIGNATURE_TOLERANCE_SECONDS} s away from now`);
  }
  const given = signature
    .split(',')
    .map((part) => SIGNATURE.exec(part.trim())?.[1])
    .filter((hex): hex is string => hex !== undefined)
    .map((hex) => Buffer.from(hex, 'hex'));
  if (given.length === 0) throw new UnauthorizedError('X-Stockade-Signature must be v1=<64 hex characters>');
  for (const secret of request.secrets) {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${request.rawBody}`, 'utf8').digest();
    // Every candidate is compared, so the time taken does not tell which secret or value came close.
    if (given.map((g) => g.length === expected.length && timingSafeEqual(g, expected)).includes(true)) return;
  }
  throw new UnauthorizedError('The signature does not match the body, or was made with a secret that is not accepted');
}
