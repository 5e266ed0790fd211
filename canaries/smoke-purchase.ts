import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STAGE_SMOKE_ENV, stageTarget } from '../local/clients/purchase-targets';
import { runSmoke } from '../local/clients/smoke';

/**
 * The CloudWatch Synthetics canary of a deployed stage (lib/constructs/smoke-canary.ts): `npm run smoke`'s purchase,
 * run every few minutes. Its configuration is the canary's environment: STOCKADE_API_URL, STOCKADE_SMOKE_MODE
 * (`purchase`: pay in Stripe test mode; `checkout-and-cancel`: a stage whose Stripe is live, so nothing is paid) and
 * STOCKADE_SMOKE_SECRET_ARN, a secret holding the smoke customer's sign-in (and the Stripe test key when it pays) as
 * JSON with the keys of STAGE_SMOKE_ENV (username, password, totpSecret, clientId, region, stripeKey). A failed step
 * fails the run, which is what the canary's alarm counts; the log names the step, never a credential.
 */
export async function handler(): Promise<void> {
  const apiUrl = required('STOCKADE_API_URL');
  const mode = required('STOCKADE_SMOKE_MODE');
  if (mode !== 'purchase' && mode !== 'checkout-and-cancel') throw new Error(`STOCKADE_SMOKE_MODE ${mode} is neither purchase nor checkout-and-cancel`);
  const client = new SecretsManagerClient({});
  let secret: Record<string, unknown>;
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: required('STOCKADE_SMOKE_SECRET_ARN') }));
    secret = JSON.parse(SecretString ?? '{}') as Record<string, unknown>;
  } finally {
    client.destroy();
  }
  const env: Record<string, string | undefined> = { AWS_REGION: process.env.AWS_REGION };
  for (const [key, name] of Object.entries(STAGE_SMOKE_ENV)) if (typeof secret[key] === 'string') env[name] = secret[key];
  const pays = mode === 'purchase';
  const result = await runSmoke({ target: stageTarget(apiUrl, env, { pays }), until: pays ? 'paid' : 'cancelled', timeoutMs: 90_000 });
  if (!result.ok) throw new Error(`smoke failed at step ${result.failedStep}: ${result.reason}`);
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
