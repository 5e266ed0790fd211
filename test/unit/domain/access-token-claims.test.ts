import { AccessTokenClaimsError, checkAccessTokenClaims, CLOCK_SKEW_SECONDS } from '../../../shared/domain/identity/access-token-claims';

const now = new Date('2026-12-04T12:00:00.000Z');
const nowSeconds = Math.floor(now.getTime() / 1000);
const maxAgeSeconds = 15 * 60;
/** The claims of a Cognito access token issued a minute ago for 15 minutes. */
const valid = (): Record<string, unknown> => ({
  iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
  sub: '4f1c-sub',
  client_id: 'client-1',
  token_use: 'access',
  iat: nowSeconds - 60,
  exp: nowSeconds - 60 + maxAgeSeconds,
  username: 'customer',
});
const check = (payload: Record<string, unknown>) => () => checkAccessTokenClaims(payload, { now, maxAgeSeconds });

describe('checkAccessTokenClaims', () => {
  it('accepts the claims Cognito issues', () => {
    expect(check(valid())).not.toThrow();
  });

  it.each(['exp', 'iat', 'token_use', 'client_id', 'iss', 'sub'])('refuses a token without %s', (claim) => {
    const payload = valid();
    delete payload[claim];
    expect(check(payload)).toThrow(AccessTokenClaimsError);
    expect(check(payload)).toThrow(claim);
  });

  it.each([
    ['exp as a string', { exp: String(nowSeconds + 600) }],
    ['iat as a fraction', { iat: nowSeconds - 0.5 }],
    ['iat of zero', { iat: 0 }],
    ['sub empty', { sub: '' }],
    ['client_id as a list', { client_id: ['client-1'] }],
    ['token_use "id"', { token_use: 'id' }],
  ])('refuses %s', (_name, override) => {
    expect(check({ ...valid(), ...override })).toThrow(AccessTokenClaimsError);
  });

  it('refuses a token issued in the future beyond the clock skew, and accepts one within it', () => {
    const iat = nowSeconds + CLOCK_SKEW_SECONDS + 1;
    expect(check({ ...valid(), iat, exp: iat + maxAgeSeconds })).toThrow('future');
    const within = nowSeconds + CLOCK_SKEW_SECONDS - 1;
    expect(check({ ...valid(), iat: within, exp: within + maxAgeSeconds })).not.toThrow();
  });

  it('refuses a token minted to live longer than the pool issues (a year, signed with a leaked key)', () => {
    expect(check({ ...valid(), exp: nowSeconds + 365 * 86_400 })).toThrow('longer');
  });

  it('refuses a token older than the pool lets an access token live, even with a far exp', () => {
    const iat = nowSeconds - maxAgeSeconds - CLOCK_SKEW_SECONDS - 1;
    expect(check({ ...valid(), iat, exp: iat + maxAgeSeconds })).toThrow('older');
  });

  it('refuses exp not after iat', () => {
    expect(check({ ...valid(), exp: nowSeconds - 60 })).toThrow('exp');
  });
});
