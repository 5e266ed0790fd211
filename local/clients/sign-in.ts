import {
  type AuthenticationResultType,
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { totpCode } from './totp';

/** What signing in needs: a password, and for users enrolled in TOTP their authenticator secret. */
export interface SignInUser {
  readonly username: string;
  readonly password: string;
  readonly totpSecret?: string;
}

/**
 * Signs a user in as a storefront does against Cognito: USER_PASSWORD_AUTH, then the SOFTWARE_TOKEN_MFA challenge
 * answered with the current TOTP code when the user is enrolled. Returns the tokens; throws if sign-in stops at any
 * other challenge.
 */
export async function signInWithPassword(
  client: CognitoIdentityProviderClient,
  clientId: string,
  user: SignInUser,
): Promise<AuthenticationResultType & { AccessToken: string }> {
  let result = await client.send(
    new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: user.username, PASSWORD: user.password } }),
  );
  if (result.ChallengeName === 'SOFTWARE_TOKEN_MFA') {
    if (!user.totpSecret) throw new Error(`${user.username} is asked for a TOTP code but has no authenticator secret`);
    result = await client.send(
      new RespondToAuthChallengeCommand({
        ClientId: clientId,
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: result.Session,
        ChallengeResponses: { USERNAME: user.username, SOFTWARE_TOKEN_MFA_CODE: totpCode(user.totpSecret) },
      }),
    );
  }
  const tokens = result.AuthenticationResult;
  if (!tokens?.AccessToken) throw new Error(`Sign-in of ${user.username} did not finish (challenge ${result.ChallengeName ?? 'none'})`);
  return tokens as AuthenticationResultType & { AccessToken: string };
}
