/** Clock skew tolerated between the token issuer and this function, in seconds. */
export const CLOCK_SKEW_SECONDS = 60;

/** An access token whose claims are missing, of the wrong kind or out of bounds (the name is logged, never the token). */
export class AccessTokenClaimsError extends Error {
  override readonly name = 'AccessTokenClaimsError';
}

const REQUIRED_STRINGS = ['iss', 'sub', 'client_id', 'token_use'] as const;
const REQUIRED_TIMES = ['exp', 'iat'] as const;

/**
 * The claims every Cognito access token carries, checked on top of the signature, issuer and client checks:
 * `exp`, `iat`, `iss`, `sub` and `client_id` present and well-typed, `token_use` "access", issued no later than now
 * (with `CLOCK_SKEW_SECONDS`), and neither older nor valid for longer than `maxAgeSeconds` (the pool's access token
 * validity). A token signed with a leaked key but minted to live for a year, or one with no expiry at all, fails here.
 * Throws AccessTokenClaimsError naming the first claim at fault.
 */
export function checkAccessTokenClaims(payload: Readonly<Record<string, unknown>>, options: { now: Date; maxAgeSeconds: number }): void {
  for (const claim of REQUIRED_STRINGS) {
    const value = payload[claim];
    if (typeof value !== 'string' || value.length === 0) throw new AccessTokenClaimsError(`Claim ${claim} is missing or not a string`);
  }
  if (payload.token_use !== 'access') throw new AccessTokenClaimsError('Claim token_use is not "access"');
  for (const claim of REQUIRED_TIMES) {
    const value = payload[claim];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw new AccessTokenClaimsError(`Claim ${claim} is missing or not a time`);
  }
  const now = Math.floor(options.now.getTime() / 1000);
  const iat = payload.iat as number;
  const exp = payload.exp as number;
  if (iat > now + CLOCK_SKEW_SECONDS) throw new AccessTokenClaimsError('Claim iat is in the future');
  if (exp <= iat) throw new AccessTokenClaimsError('Claim exp is not after iat');
  if (exp - iat > options.maxAgeSeconds + CLOCK_SKEW_SECONDS) throw new AccessTokenClaimsError('The token is valid for longer than the pool issues');
  if (now - iat > options.maxAgeSeconds + CLOCK_SKEW_SECONDS) throw new AccessTokenClaimsError('The token is older than the pool lets an access token live');
}
