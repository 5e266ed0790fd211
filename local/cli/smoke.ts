import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { localTarget, type PurchaseTarget, SmokeConfigurationError, STAGE_SMOKE_ENV, stageTarget } from '../clients/purchase-targets';
import { runSmoke } from '../clients/smoke';
import type { Endpoints } from '../runtime/local-runtime';
import { PROJECT_ROOT } from '../runtime/synth';

const HELP = `Usage: npm run smoke -- [options]

A short purchase through the API (health, sign in, catalog, cart, checkout with an Idempotency-Key, pay, and
wait until the order is paid and its stock committed), each step printed with its timing. Exits 1 naming the
step that broke (HTTP status and problem title), 2 when it cannot run as configured.

Without --api-url, against the running local runtime (npm start): the demo customer pays through the Stripe
stand-in. With --api-url, against a deployed stage in Stripe test mode, configured by the environment:
  ${STAGE_SMOKE_ENV.username}, ${STAGE_SMOKE_ENV.password}   a customer of the stage's user pool
  ${STAGE_SMOKE_ENV.totpSecret}                         its authenticator secret (base32), if enrolled
  ${STAGE_SMOKE_ENV.clientId}                   the storefront app client id (USER_PASSWORD_AUTH)
  ${STAGE_SMOKE_ENV.region}                              the pool's region (default: from the API's host, else AWS_REGION)
  ${STAGE_SMOKE_ENV.stripeKey}                          a Stripe test secret key (sk_test_/rk_test_; live keys are refused)

  --api-url <url>       a deployed stage's API, e.g. https://<id>.execute-api.<region>.amazonaws.com/v1
  --product <id>        buy from this product (default: the first in the catalog with stock;
                        env STOCKADE_SMOKE_PRODUCT_ID)
  --timeout <seconds>   bound on the whole run (default 60)
  --state-dir <dir>     where npm start wrote endpoints.json (default .stockade)
  -h, --help            this help`;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'api-url': { type: 'string' },
      product: { type: 'string' },
      timeout: { type: 'string', default: '60' },
      'state-dir': { type: 'string', default: path.join(PROJECT_ROOT, '.stockade') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const timeoutSeconds = Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new SmokeConfigurationError(`--timeout ${values.timeout} is not a number of seconds`);
  const productId = values.product ?? (process.env.STOCKADE_SMOKE_PRODUCT_ID || undefined);
  const result = await runSmoke({ target: targetOf(values), timeoutMs: timeoutSeconds * 1000, ...(productId ? { productId } : {}) });
  return result.ok ? 0 : 1;
}

function targetOf(values: { 'api-url'?: string; 'state-dir': string }): PurchaseTarget {
  if (values['api-url']) return stageTarget(values['api-url'], process.env);
  const endpointsFile = path.join(values['state-dir'], 'endpoints.json');
  if (!existsSync(endpointsFile)) {
    throw new SmokeConfigurationError(`no local runtime is running on ${values['state-dir']} (npm start writes ${endpointsFile}); or pass --api-url`);
  }
  return localTarget(JSON.parse(readFileSync(endpointsFile, 'utf8')) as Endpoints);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`smoke: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof SmokeConfigurationError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1);
  },
);
