import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DemoUsers } from '../demo/demo-users';
import { signInWithPassword } from '../clients/sign-in';
import type { Endpoints } from '../runtime/local-runtime';
import { localCredentials } from '../aws/credentials';
import { PROJECT_ROOT } from '../runtime/synth';

const HELP = `Usage: npm run -s login -- [options]

Signs a demo user in against the running local Cognito and prints the access token.

  --user <customer|vendor|vendor2|admin>  demo user to sign in (default customer)
  --id                                    print the ID token instead of the access token
  --state-dir <dir>                       where npm start wrote endpoints.json (default .stockade)
  -h, --help                              this help`;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * `npm run login -- --user customer|vendor|admin`: signs a demo user in against the local Cognito exactly as a
 * storefront would (USER_PASSWORD_AUTH, then the SOFTWARE_TOKEN_MFA challenge with a TOTP code for enrolled
 * users) and prints the access token, for `curl -H "Authorization: Bearer $(npm run -s login -- --user admin)"`.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      user: { type: 'string', default: 'customer' },
      'state-dir': { type: 'string', default: path.join(PROJECT_ROOT, '.stockade') },
      id: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const endpointsFile = path.join(values['state-dir'], 'endpoints.json');
  if (!existsSync(endpointsFile)) throw new Error(`No local runtime is running on ${values['state-dir']} (npm start writes ${endpointsFile} when it is ready)`);
  const endpoints = JSON.parse(readFileSync(endpointsFile, 'utf8')) as Endpoints;
  const user = endpoints.users?.[values.user as keyof DemoUsers];
  if (!endpoints.cognito || !user) {
    throw new Error(
      `No demo user "${values.user}" (choose ${Object.keys(endpoints.users ?? {}).join(', ') || 'one of the demo users'}); is npm start running?`,
    );
  }
  const client = new CognitoIdentityProviderClient({
    endpoint: endpoints.cognito.endpoint,
    region: endpoints.region,
    credentials: localCredentials,
    maxAttempts: 1,
  });
  const tokens = await signInWithPassword(client, endpoints.cognito.clientId, user);
  const token = values.id ? tokens.IdToken : tokens.AccessToken;
  if (!token) throw new Error('Sign-in returned no ID token');
  process.stdout.write(`${token}\n`);
  client.destroy();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
