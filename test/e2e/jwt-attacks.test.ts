import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { CognitoIdentityProviderClient, InitiateAuthCommand, RespondToAuthChallengeCommand } from '@aws-sdk/client-cognito-identity-provider';
import { totpCode } from '../../local/clients/totp';
import { localCredentials, testEndpoints } from '../support/endpoints';
import { assemble, b64url, cognitoLocalKey, decodeJwt, freshRsaKey, type JwtPayload, signHs256, signRs256 } from '../support/jwt-forge';

/**
 * Attacks on the bearer token of a member route (GET /me) over real HTTP, through the emulated API Gateway and the
 * Lambda authorizer's bundle. Locally the pool signs with cognito-local's published key, so a test can forge a
 * token that is correctly signed yet wrong in exactly one respect; the positive controls prove that a forgery with
 * nothing wrong is accepted, so each refusal below is for the reason its case names.
 */
describe('GET /me refuses forged and misused bearer tokens with 401', () => {
  const { apiUrl, region, cognito, users } = testEndpoints();
  const localKey = cognitoLocalKey();
  const TIMEOUT = 30_000;

  let accessToken = '';
  let idToken = '';
  /** The claims of the real access token, for forgeries that change one of them. */
  let claims: JwtPayload = {};
  let expectedMe: unknown;

  const nowSeconds = () => Math.floor(Date.now() / 1000);
  /** Correctly signed with the pool's key: the real claims with a new jti, then the overrides. */
  const forge = (overrides: JwtPayload = {}, header: Record<string, unknown> = {}) =>
    signRs256(localKey, { ...claims, jti: randomUUID(), ...overrides }, header);

  beforeAll(async () => {
    if (!cognito || !users) throw new Error('endpoints.json has no Cognito pool or demo users: the runtime did not start identity');
    const client = new CognitoIdentityProviderClient({ endpoint: cognito.endpoint, region, credentials: localCredentials, maxAttempts: 1 });
    try {
      const { username, password, totpSecret } = users.customer;
      let result = await client.send(
        new InitiateAuthCommand({ ClientId: cognito.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }),
      );
      if (result.ChallengeName === 'SOFTWARE_TOKEN_MFA' && totpSecret) {
        result = await client.send(
          new RespondToAuthChallengeCommand({
            ClientId: cognito.clientId,
            ChallengeName: 'SOFTWARE_TOKEN_MFA',
            Session: result.Session,
            ChallengeResponses: { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: totpCode(totpSecret) },
          }),
        );
      }
      accessToken = result.AuthenticationResult?.AccessToken ?? '';
      idToken = result.AuthenticationResult?.IdToken ?? '';
      if (!accessToken || !idToken) throw new Error(`Customer sign-in did not finish (challenge ${result.ChallengeName ?? 'none'})`);
      claims = decodeJwt(accessToken).payload;
    } finally {
      client.destroy();
    }
  }, TIMEOUT);

  async function getMe(authorization?: string) {
    const response = await fetch(`${apiUrl}/me`, { headers: authorization === undefined ? {} : { Authorization: authorization } });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  /** 401 problem+json from the gateway, and neither the body nor any header gives back the token or a piece of it. */
  async function expectUnauthorized(authorization: string | undefined): Promise<void> {
    const response = await getMe(authorization);
    expect({ status: response.status, contentType: response.headers.get('content-type') }).toEqual({ status: 401, contentType: 'application/problem+json' });
    expect(JSON.parse(response.text)).toMatchObject({
      type: 'https://stockade.dev/problems/unauthorized',
      title: 'Unauthorized',
      status: 401,
      instance: '/me',
    });
    const token = authorization?.replace(/^\S+ /, '') ?? '';
    const secrets = [token, ...token.split('.')].filter((s) => s.length >= 8);
    const echoed = [response.text, ...[...response.headers.entries()].map(([k, v]) => `${k}: ${v}`)].flatMap((where) =>
      secrets.filter((s) => where.includes(s)).map((s) => `${s.slice(0, 12)}… in ${where.slice(0, 60)}`),
    );
    expect(echoed).toEqual([]);
  }

  describe('positive controls', () => {
    it(
      'accepts the real access token of the signed-in customer',
      async () => {
        const response = await getMe(`Bearer ${accessToken}`);
        expect(response.status).toBe(200);
        expectedMe = JSON.parse(response.text);
        expect(expectedMe).toEqual({ sub: claims.sub, groups: ['customer'], mfa: false });
      },
      TIMEOUT,
    );

    it(
      'accepts a token forged with the local key and all-correct claims (so the forging helper is sound)',
      async () => {
        const forged = forge();
        expect(forged).not.toBe(accessToken);
        expect(decodeJwt(forged).header).toEqual({ alg: 'RS256', kid: 'CognitoLocal' });
        const response = await getMe(`Bearer ${forged}`);
        expect(response.status).toBe(200);
        expect(JSON.parse(response.text)).toEqual(expectedMe);
      },
      TIMEOUT,
    );
  });

  describe('1. missing or malformed Authorization header', () => {
    it('no Authorization header', () => expectUnauthorized(undefined), TIMEOUT);
    // fetch strips the trailing space of a header value, so the authorizer sees "Bearer": still no token.
    it('"Bearer " with an empty token', () => expectUnauthorized('Bearer '), TIMEOUT);
    it('a non-Bearer scheme carrying a valid token', () => expectUnauthorized(`Basic ${accessToken}`), TIMEOUT);
    it(
      'a non-Bearer scheme carrying credentials',
      () => expectUnauthorized(`Basic ${Buffer.from('customer@stockade.test:password').toString('base64')}`),
      TIMEOUT,
    );
  });

  describe('2. alg "none" with otherwise valid claims', () => {
    it('header { alg: "none" }, empty signature', () => expectUnauthorized(`Bearer ${assemble({ alg: 'none' }, { ...claims, jti: randomUUID() })}`), TIMEOUT);
    it(
      'header { alg: "none", kid: "CognitoLocal" }, empty signature',
      () => expectUnauthorized(`Bearer ${assemble({ alg: 'none', typ: 'JWT', kid: localKey.kid }, { ...claims, jti: randomUUID() })}`),
      TIMEOUT,
    );
  });

  describe('3. HS256 signed with the RSA public key as the HMAC secret (key confusion)', () => {
    it(
      'secret = the PKCS#1 PEM cognito-local publishes',
      () => expectUnauthorized(`Bearer ${signHs256(localKey.publicKeyPkcs1Pem, { ...claims, jti: randomUUID() }, { kid: localKey.kid })}`),
      TIMEOUT,
    );
    it(
      'secret = the SPKI PEM derived from the JWKS',
      () => {
        const spki = localKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
        return expectUnauthorized(`Bearer ${signHs256(spki, { ...claims, jti: randomUUID() }, { kid: localKey.kid })}`);
      },
      TIMEOUT,
    );
  });

  describe('4. wrong issuer, correctly signed', () => {
    it(
      'the same pool id under real Cognito',
      () => expectUnauthorized(`Bearer ${forge({ iss: `https://cognito-idp.${region}.amazonaws.com/${String(cognito?.userPoolId)}` })}`),
      TIMEOUT,
    );
    it('another URL altogether', () => expectUnauthorized(`Bearer ${forge({ iss: 'https://issuer.evil.example/pool' })}`), TIMEOUT);
  });

  it(
    '5. client_id of a client that is not on the allow-list',
    () => expectUnauthorized(`Bearer ${forge({ client_id: randomBytes(13).toString('hex').slice(0, 26) })}`),
    TIMEOUT,
  );

  it('6. the ID token of the same sign-in instead of the access token', () => expectUnauthorized(`Bearer ${idToken}`), TIMEOUT);

  it(
    '7. expired (exp in the past), correctly signed',
    () => {
      const exp = nowSeconds() - 60;
      return expectUnauthorized(`Bearer ${forge({ exp, iat: exp - 3600, auth_time: exp - 3600 })}`);
    },
    TIMEOUT,
  );

  it('8. nbf in the future, correctly signed', () => expectUnauthorized(`Bearer ${forge({ nbf: nowSeconds() + 3600 })}`), TIMEOUT);

  describe('9. kid the pool does not publish, correctly signed with the pool key', () => {
    it('kid "other-key"', () => expectUnauthorized(`Bearer ${forge({}, { kid: 'other-key' })}`), TIMEOUT);
    it('no kid at all', () => expectUnauthorized(`Bearer ${signRs256(localKey, { ...claims, jti: randomUUID() }, { kid: undefined })}`), TIMEOUT);
  });

  it(
    '10. tampered payload (cognito:groups -> ["admin"]) with the original signature',
    () => {
      const [header, , signature] = accessToken.split('.');
      return expectUnauthorized(`Bearer ${header}.${b64url({ ...claims, 'cognito:groups': ['admin'] })}.${signature}`);
    },
    TIMEOUT,
  );

  it(
    '11. a token of another pool: its own key and kid, its own issuer',
    () => {
      const otherPoolId = `${region}_${randomBytes(6).toString('hex')}`;
      const otherKey = freshRsaKey(`another-pool-${randomUUID()}`);
      return expectUnauthorized(
        `Bearer ${signRs256(otherKey, { ...claims, jti: randomUUID(), iss: `${String(cognito?.endpoint).replace(/\/$/, '')}/${otherPoolId}` })}`,
      );
    },
    TIMEOUT,
  );

  it(
    '12. a fresh key claiming kid "CognitoLocal" with the right issuer (the signature is really checked)',
    () => {
      const impostor = freshRsaKey(localKey.kid);
      return expectUnauthorized(`Bearer ${signRs256(impostor, { ...claims, jti: randomUUID() })}`);
    },
    TIMEOUT,
  );

  describe('13. a claim every access token carries is missing, correctly signed', () => {
    const without = (claim: string): JwtPayload => {
      const payload: JwtPayload = { ...claims, jti: randomUUID() };
      delete payload[claim];
      return payload;
    };
    it.each(['exp', 'iat', 'token_use', 'client_id', 'iss', 'sub'])(
      'no %s',
      (claim) => expectUnauthorized(`Bearer ${signRs256(localKey, without(claim))}`),
      TIMEOUT,
    );
  });

  describe('14. token age out of bounds, correctly signed', () => {
    it('minted to live a year', () => expectUnauthorized(`Bearer ${forge({ iat: nowSeconds(), exp: nowSeconds() + 365 * 86_400 })}`), TIMEOUT);
    it('issued an hour in the future', () => expectUnauthorized(`Bearer ${forge({ iat: nowSeconds() + 3600, exp: nowSeconds() + 3600 + 900 })}`), TIMEOUT);
    it(
      'issued two days ago, exp still ahead',
      () => expectUnauthorized(`Bearer ${forge({ iat: nowSeconds() - 2 * 86_400, exp: nowSeconds() + 600 })}`),
      TIMEOUT,
    );
  });

  it(
    '15. header names are case-insensitive: the real token in an upper-case AUTHORIZATION header is accepted',
    async () => {
      // node:http sends header names as written (fetch would lower-case them).
      const response = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(`${apiUrl}/me`, { headers: { AUTHORIZATION: `Bearer ${accessToken}` } }, (res) => {
          let text = '';
          res
            .setEncoding('utf8')
            .on('data', (chunk: string) => (text += chunk))
            .on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject).end();
      });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual(expectedMe);
    },
    TIMEOUT,
  );

  describe('after every attack', () => {
    it(
      'still accepts the real access token and a sound forgery (the cached key set was not poisoned)',
      async () => {
        const real = await getMe(`Bearer ${accessToken}`);
        expect(real.status).toBe(200);
        expect(JSON.parse(real.text)).toEqual(expectedMe);
        const forged = await getMe(`Bearer ${forge()}`);
        expect(forged.status).toBe(200);
      },
      TIMEOUT,
    );
  });
});
