import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { localCredentials } from '../../local/aws/credentials';
import { signInWithPassword } from '../../local/clients/sign-in';
import type { DemoUsers } from '../../local/demo/demo-users';
import { LOCAL_REGION } from '../../local/runtime/intrinsics';
import type { Endpoints } from '../../local/runtime/local-runtime';

/** SDK client settings for a service of the local runtime. */
export const localAws = (endpoint: string) => ({ endpoint, region: LOCAL_REGION, credentials: localCredentials });

/** The physical name of the template's table whose logical id starts with `prefix`. */
export function tableNamed(endpoints: Endpoints, prefix: string): string {
  const entry = Object.entries(endpoints.tables).find(([logicalId]) => logicalId.startsWith(prefix));
  if (!entry) throw new Error(`No ${prefix} table in the template`);
  return entry[1];
}

/** The local runtime's Cognito and demo users, or an error naming what is missing. */
export function cognitoOf(endpoints: Endpoints): { cognito: NonNullable<Endpoints['cognito']>; users: DemoUsers } {
  const { cognito, users } = endpoints;
  if (!cognito || !users) throw new Error('The local runtime has no Cognito or demo users');
  return { cognito, users };
}

/** Access tokens of the named demo users, signed in as a storefront does (password, then TOTP where enrolled). */
export async function signInDemoUsers<K extends keyof DemoUsers>(endpoints: Endpoints, names: readonly K[]): Promise<Record<K, string>> {
  const { cognito, users } = cognitoOf(endpoints);
  const client = new CognitoIdentityProviderClient({ ...localAws(cognito.endpoint), maxAttempts: 1 });
  try {
    const tokens = {} as Record<K, string>;
    for (const name of names) tokens[name] = (await signInWithPassword(client, cognito.clientId, users[name])).AccessToken;
    return tokens;
  } finally {
    client.destroy();
  }
}
