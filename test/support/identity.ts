import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CognitoIdentityProviderClient, ConfirmSignUpCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { type DemoUser, demoPassword } from '../../local/demo/demo-users';
import { signInWithPassword } from '../../local/clients/sign-in';
import { DEMO_ADDRESS } from '../../local/demo/demo-address';
import { totpCode } from '../../local/clients/totp';
import { localCredentials, testEndpoints } from './endpoints';

export { totpCode };

export function cognitoClient(): CognitoIdentityProviderClient {
  const { cognito, region } = testEndpoints();
  if (!cognito) throw new Error('The local runtime has no Cognito');
  return new CognitoIdentityProviderClient({ endpoint: cognito.endpoint, region, credentials: localCredentials, maxAttempts: 1 });
}

/** Signs a user in as a storefront would: password, then a TOTP code if challenged. Returns the access token. */
export async function signIn(client: CognitoIdentityProviderClient, user: Pick<DemoUser, 'username' | 'password' | 'totpSecret'>): Promise<string> {
  const { cognito } = testEndpoints();
  return (await signInWithPassword(client, cognito?.clientId as string, user)).AccessToken;
}

/**
 * The sign-up confirmation code local Cognito "e-mailed" to `email` (it keeps it in its data file). cognito-local
 * rewrites that file on every change, so a read can meet it half-written while another test signs up: read again.
 */
export async function confirmationCode(email: string): Promise<string> {
  const { cognito } = testEndpoints();
  if (!cognito) throw new Error('The local runtime has no Cognito');
  const file = path.join(cognito.localDataDirectory, 'db', `${cognito.userPoolId}.json`);
  type Db = { Users: Record<string, { Attributes?: Array<{ Name: string; Value: string }>; ConfirmationCode?: string }> };
  let db: Db | undefined;
  for (let attempt = 1; !db; attempt++) {
    try {
      db = JSON.parse(readFileSync(file, 'utf8')) as Db;
    } catch (error) {
      if (!(error instanceof SyntaxError) || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const user = Object.values(db.Users).find((u) => u.Attributes?.some((a) => a.Name === 'email' && a.Value === email));
  if (!user?.ConfirmationCode) throw new Error(`No confirmation code for ${email}`);
  return user.ConfirmationCode;
}

/**
 * An HTTP request from a chosen loopback source address (Linux routes all of 127.0.0.0/8 to lo), so a test can
 * call the API from outside the admin network allow-list over a real connection.
 */
export function httpFrom(
  localAddress: string,
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, localAddress }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Signs a fresh customer up and confirms them (a test that changes customer state should not share the demo one). Like
 * the demo customer, they have DEMO_ADDRESS as default shipping address (`withAddress: false` for one without).
 */
export async function newCustomer(
  client: CognitoIdentityProviderClient,
  label: string,
  options: { withAddress?: boolean } = {},
): Promise<{ username: string; password: string; accessToken: string }> {
  const { cognito, apiUrl } = testEndpoints();
  const clientId = cognito?.clientId as string;
  const username = `${label}-${randomBytes(4).toString('hex')}@stockade.test`;
  const password = demoPassword();
  await client.send(new SignUpCommand({ ClientId: clientId, Username: username, Password: password, UserAttributes: [{ Name: 'email', Value: username }] }));
  await client.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: username, ConfirmationCode: await confirmationCode(username) }));
  const accessToken = await signIn(client, { username, password });
  if (options.withAddress !== false) {
    const saved = await fetch(`${apiUrl}/me/address`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(DEMO_ADDRESS),
    });
    if (saved.status !== 200) throw new Error(`Saving ${username}'s address answered ${saved.status}`);
  }
  return { username, password, accessToken };
}
