import { randomBytes } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  AdminCreateUserCommand,
  AssociateSoftwareTokenCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand,
  SignUpCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Group } from '../../shared/domain/access/route-policies';
import { LOCAL_REGION } from '../runtime/intrinsics';
import { localCredentials } from '../aws/credentials';
import { totpCode } from '../clients/totp';

export interface DemoUser {
  readonly username: string;
  readonly password: string;
  /** Base32 secret of the enrolled authenticator app, for privileged users. */
  readonly totpSecret?: string;
}

/** The demo users: a second vendor gives the demo catalog two shops. */
export type DemoUsers = Record<'admin' | 'vendor' | 'vendor2' | 'customer', DemoUser>;

/** A password that satisfies the pool policy (12+ characters, every class), random per run. */
export function demoPassword(): string {
  return `Stk-${randomBytes(12).toString('base64url')}-9a!`;
}

/**
 * Seeds the demo users through the Cognito API as real people would arrive: the customer signs up and is
 * confirmed (the post-confirmation trigger makes them a customer); the vendor and the admin are created by an
 * administrator, set their password, enrol an authenticator app, and only then are granted their group.
 */
export async function seedDemoUsers(options: { endpoint: string; userPoolId: string; clientId: string }): Promise<DemoUsers> {
  const client = new CognitoIdentityProviderClient({ endpoint: options.endpoint, region: LOCAL_REGION, credentials: localCredentials, maxAttempts: 1 });
  try {
    const customer: DemoUser = { username: 'customer@stockade.test', password: demoPassword() };
    await signUpCustomer(client, options, customer);

    const vendor = await onboardPrivilegedUser(client, options, 'vendor', 'vendor@stockade.test');
    const vendor2 = await onboardPrivilegedUser(client, options, 'vendor', 'maker@stockade.test');
    const admin = await onboardPrivilegedUser(client, options, 'admin', 'admin@stockade.test');
    return { admin, vendor, vendor2, customer };
  } finally {
    client.destroy();
  }
}

/**
 * Signs a customer up with their e-mail as username and confirms them as an administrator would; the pool's
 * post-confirmation trigger then makes them a customer.
 */
export async function signUpCustomer(
  client: CognitoIdentityProviderClient,
  pool: { userPoolId: string; clientId: string },
  user: Pick<DemoUser, 'username' | 'password'>,
): Promise<void> {
  await client.send(
    new SignUpCommand({ ClientId: pool.clientId, Username: user.username, Password: user.password, UserAttributes: [{ Name: 'email', Value: user.username }] }),
  );
  await client.send(new AdminConfirmSignUpCommand({ UserPoolId: pool.userPoolId, Username: user.username }));
}

/**
 * Onboards an admin or vendor in the only order the pool allows: created by an administrator, first sign-in with
 * the temporary password, own password set, authenticator app enrolled and enabled, then the group granted.
 */
export async function onboardPrivilegedUser(
  client: CognitoIdentityProviderClient,
  pool: { userPoolId: string; clientId: string },
  group: Group,
  username: string,
): Promise<DemoUser> {
  const password = demoPassword();
  const temporary = demoPassword();
  await client.send(
    new AdminCreateUserCommand({
      UserPoolId: pool.userPoolId,
      Username: username,
      TemporaryPassword: temporary,
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: username },
        { Name: 'email_verified', Value: 'true' },
      ],
    }),
  );
  const first = await client.send(
    new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: temporary } }),
  );
  const changed = await client.send(
    new RespondToAuthChallengeCommand({
      ClientId: pool.clientId,
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: first.Session,
      ChallengeResponses: { USERNAME: username, NEW_PASSWORD: password },
    }),
  );
  const accessToken = changed.AuthenticationResult?.AccessToken;
  if (!accessToken) throw new Error(`Onboarding ${username}: no tokens after the password change`);
  const { SecretCode } = await client.send(new AssociateSoftwareTokenCommand({ AccessToken: accessToken }));
  if (!SecretCode) throw new Error(`Onboarding ${username}: no TOTP secret`);
  await client.send(new VerifySoftwareTokenCommand({ AccessToken: accessToken, UserCode: totpCode(SecretCode), FriendlyDeviceName: 'authenticator' }));
  await client.send(new SetUserMFAPreferenceCommand({ AccessToken: accessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }));
  await client.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.userPoolId, Username: username, GroupName: group }));
  return { username, password, totpSecret: SecretCode };
}
