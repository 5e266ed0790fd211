import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { checkAccessTokenClaims } from '../domain/identity/access-token-claims';
import { EMAIL_CLAIM, MFA_CLAIM } from '../domain/identity/mfa-evidence';
import type { AccessTokenVerifier, VerifiedAccessToken } from '../ports/access-token-verifier';
import type { Clock } from '../ports/clock';
import { systemClock } from './system-clock';

export interface CognitoVerifierOptions {
  readonly userPoolId: string;
  /** App clients whose access tokens are accepted. */
  readonly clientIds: readonly string[];
  /**
   * Base URL of a local Cognito (cognito-local), whose issuer is http://host:port/<poolId>. CognitoJwtVerifier
   * accepts only real Cognito issuers and https key sets, so locally the generic verifier checks the same fields.
   */
  readonly localEndpoint?: string;
  /** The pool's access token validity: older tokens, or tokens minted to live longer, are refused. */
  readonly maxTokenAgeSeconds: number;
  /** @default the system clock */
  readonly now?: Clock;
}

/**
 * Verifies Cognito access tokens with aws-jwt-verify: RS256 signature against the pool's JWKS (cached), issuer,
 * expiry and not-before, and one shared Cognito check (token_use "access", client_id on the allow-list, and every
 * claim an access token must carry with its age bounded: checkAccessTokenClaims) used both in AWS and locally.
 */
export class CognitoAccessTokenVerifier implements AccessTokenVerifier {
  private readonly verifier: { verify(token: string): Promise<JwtPayload> };
  private jwksLoaded?: Promise<void>;

  constructor(private readonly options: CognitoVerifierOptions) {
    if (options.clientIds.length === 0) throw new Error('CognitoAccessTokenVerifier needs at least one client id');
    const now = options.now ?? systemClock;
    const cognitoChecks = ({ payload }: { payload: JwtPayload }) => {
      validateCognitoJwtFields(payload, { tokenUse: 'access', clientId: [...options.clientIds] });
      checkAccessTokenClaims(payload, { now: now(), maxAgeSeconds: options.maxTokenAgeSeconds });
    };
    if (options.localEndpoint) {
      const issuer = `${options.localEndpoint.replace(/\/$/, '')}/${options.userPoolId}`;
      const local = JwtVerifier.create({ issuer, audience: null, jwksUri: `${issuer}/.well-known/jwks.json`, customJwtCheck: cognitoChecks });
      this.verifier = {
        verify: async (token) => {
          // The local key set is served over http, which the library will not fetch: load it once ourselves.
          this.jwksLoaded ??= fetch(`${issuer}/.well-known/jwks.json`)
            .then(async (r) => local.cacheJwks((await r.json()) as Parameters<typeof local.cacheJwks>[0]))
            .catch((error: unknown) => {
              this.jwksLoaded = undefined;
              throw error;
            });
          await this.jwksLoaded;
          return local.verify(token);
        },
      };
    } else {
      this.verifier = CognitoJwtVerifier.create({
        userPoolId: options.userPoolId,
        tokenUse: 'access',
        clientId: [...options.clientIds],
        customJwtCheck: cognitoChecks,
      });
    }
  }

  async verify(token: string): Promise<VerifiedAccessToken> {
    const payload = await this.verifier.verify(token);
    const groups = payload['cognito:groups'];
    const mfa = payload[MFA_CLAIM];
    const email = payload[EMAIL_CLAIM];
    return {
      sub: String(payload.sub),
      username: String(payload.username ?? payload.sub),
      clientId: String(payload.client_id),
      groups: Array.isArray(groups) ? groups.map(String) : [],
      ...(typeof mfa === 'string' ? { mfaClaim: mfa } : {}),
      ...(typeof email === 'string' && email.length > 0 ? { email } : {}),
    };
  }
}
