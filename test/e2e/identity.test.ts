import { randomBytes } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AssociateSoftwareTokenCommand,
  CodeMismatchException,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand,
  SignUpCommand,
  UserLambdaValidationException,
  UserNotConfirmedException,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { demoPassword } from '../../local/demo/demo-users';
import { apiCaller } from '../support/api';
import { auditUntil } from '../support/audit-pages';
import { testEndpoints } from '../support/endpoints';
import { cognitoClient, confirmationCode, httpFrom, signIn, totpCode } from '../support/identity';

/** Identity as a person meets it, over the real Cognito API and HTTP against the local runtime. */
describe('identity and access, end to end', () => {
  const endpoints = testEndpoints();
  const { apiUrl } = endpoints;
  const clientId = endpoints.cognito?.clientId as string;
  const userPoolId = endpoints.cognito?.userPoolId as string;
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const cognito = cognitoClient();
  afterAll(() => cognito.destroy());

  const me = async (token: string) => {
    const response = await fetch(`${apiUrl}/me`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('a new customer signs up, confirms, signs in, enrols TOTP, signs in with a code, and calls a customer route', async () => {
    const email = `shopper-${randomBytes(4).toString('hex')}@stockade.test`;
    const password = demoPassword();
    await cognito.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] }));
    await expect(
      cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } })),
    ).rejects.toBeInstanceOf(UserNotConfirmedException);

    const code = await confirmationCode(email);
    await expect(
      cognito.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: code === '000000' ? '111111' : '000000' })),
    ).rejects.toBeInstanceOf(CodeMismatchException);
    await cognito.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: code }));

    const plain = await signIn(cognito, { username: email, password });
    const before = await me(plain);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ groups: ['customer'], mfa: false });

    const { SecretCode } = await cognito.send(new AssociateSoftwareTokenCommand({ AccessToken: plain }));
    expect(SecretCode).toMatch(/^[A-Z2-7]{16,}$/);
    await cognito.send(new VerifySoftwareTokenCommand({ AccessToken: plain, UserCode: totpCode(SecretCode as string), FriendlyDeviceName: 'phone' }));
    await cognito.send(new SetUserMFAPreferenceCommand({ AccessToken: plain, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }));

    const challenged = await cognito.send(
      new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }),
    );
    expect(challenged.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
    expect(challenged.AuthenticationResult).toBeUndefined();
    const wrong = String((Number(totpCode(SecretCode as string)) + 500_000) % 1_000_000).padStart(6, '0');
    await expect(
      cognito.send(
        new RespondToAuthChallengeCommand({
          ClientId: clientId,
          ChallengeName: 'SOFTWARE_TOKEN_MFA',
          Session: challenged.Session,
          ChallengeResponses: { USERNAME: email, SOFTWARE_TOKEN_MFA_CODE: wrong },
        }),
      ),
    ).rejects.toBeInstanceOf(CodeMismatchException);

    const withMfa = await signIn(cognito, { username: email, password, totpSecret: SecretCode });
    const after = await me(withMfa);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ groups: ['customer'], mfa: true });
    expect(after.body.sub).toBe(before.body.sub);
  });

  it('a vendor without an enrolled authenticator app gets no token, and the refusal is audited', async () => {
    const email = `vendor-${randomBytes(4).toString('hex')}@stockade.test`;
    const temporary = demoPassword();
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: email,
        TemporaryPassword: temporary,
        MessageAction: 'SUPPRESS',
        UserAttributes: [{ Name: 'email', Value: email }],
      }),
    );
    await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: email, GroupName: 'vendor' }));
    const first = await cognito.send(
      new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: temporary } }),
    );
    expect(first.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    await expect(
      cognito.send(
        new RespondToAuthChallengeCommand({
          ClientId: clientId,
          ChallengeName: 'NEW_PASSWORD_REQUIRED',
          Session: first.Session,
          ChallengeResponses: { USERNAME: email, NEW_PASSWORD: demoPassword() },
        }),
      ),
    ).rejects.toBeInstanceOf(UserLambdaValidationException);

    const admin = await signIn(cognito, users.admin);
    const signIns = (outcome: string, target: string) => (e: Record<string, unknown>) =>
      e.action === 'auth.sign-in' && e.outcome === outcome && e.target === target;
    const [deniedVendor, admitted] = [signIns('denied', 'groups:vendor'), signIns('succeeded', 'groups:admin')];
    const items = await auditUntil(apiCaller(apiUrl), admin, (read) => read.some(deniedVendor) && read.some(admitted));
    expect(items).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'auth.sign-in', outcome: 'denied', target: 'groups:vendor' })]));
    expect(items).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'auth.sign-in', outcome: 'succeeded', target: 'groups:admin' })]));
  });

  it('the seeded vendor and admin sign in with a TOTP code and carry the MFA evidence', async () => {
    for (const user of [users.vendor, users.admin]) {
      const challenged = await cognito.send(
        new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: user.username, PASSWORD: user.password } }),
      );
      expect(challenged.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
      const token = await signIn(cognito, user);
      expect((await me(token)).body).toMatchObject({ mfa: true });
    }
  });

  it('an admin token used from outside the admin network allow-list gets 403; from inside, 200', async () => {
    const admin = await signIn(cognito, users.admin);
    const headers = { Authorization: `Bearer ${admin}` };
    const inside = await httpFrom('127.0.0.1', `${apiUrl}/admin/audit`, headers);
    expect(inside.status).toBe(200);
    const outside = await httpFrom('127.0.0.2', `${apiUrl}/admin/audit`, headers);
    expect(outside.status).toBe(403);
    expect(outside.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(outside.body)).toMatchObject({ type: 'https://stockade.dev/problems/forbidden', status: 403 });
    // The same token still works from outside on a route that is not an admin route.
    expect((await httpFrom('127.0.0.2', `${apiUrl}/me`, headers)).status).toBe(200);
  });

  it('a customer is refused admin routes with 403, and an anonymous caller with 401', async () => {
    const customer = await signIn(cognito, users.customer);
    expect((await fetch(`${apiUrl}/admin/audit`, { headers: { Authorization: `Bearer ${customer}` } })).status).toBe(403);
    expect((await fetch(`${apiUrl}/admin/audit`)).status).toBe(401);
  });
});
