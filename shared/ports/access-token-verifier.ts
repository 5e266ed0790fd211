/** What a verified Cognito access token tells about its bearer. */
export interface VerifiedAccessToken {
  readonly sub: string;
  readonly username: string;
  readonly clientId: string;
  /** The raw cognito:groups claim. */
  readonly groups: readonly string[];
  /** The raw value of the MFA-evidence claim, if any. */
  readonly mfaClaim?: string;
  /** The account's e-mail (the `email` claim our token trigger adds), if any. */
  readonly email?: string;
}

/** Verifies an access token (signature, issuer, expiry, token use, client) or throws. */
export interface AccessTokenVerifier {
  verify(token: string): Promise<VerifiedAccessToken>;
}
