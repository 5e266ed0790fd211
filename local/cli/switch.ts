import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { STAGES } from '../../lib/config/stage-config';
import { SWITCH_NAMES } from '../../shared/domain/model/switches';
import { localCredentials } from '../aws/credentials';
import { apiCaller } from '../clients/api-client';
import { signInWithPassword } from '../clients/sign-in';
import type { Endpoints } from '../runtime/local-runtime';
import { PROJECT_ROOT } from '../runtime/synth';

/** Where a deployed stage's admin access token is read from (never a command-line argument: shells keep history). */
const TOKEN_ENV = 'STOCKADE_ADMIN_TOKEN';

const HELP = `Usage: npm run switch -- <name> on|off --reason "..." [--provider <id>]... [options]
       npm run switch -- list [options]

Flips a mitigation switch through PUT /admin/switches/{name}, or lists them (GET /admin/switches). Every flip is
audited with the admin, the reason, the source IP and the request id; it acts within the stage's switch cache time
(docs/operations.md, "Mitigation switches").

  <name>               ${SWITCH_NAMES.join(' | ')}
  --reason <text>      why (3 to 500 characters; kept in the audit trail); required to flip
  --provider <id>      inventory-webhooks-refused only: a provider to refuse (on) or accept again (off); repeat for
                       several; off without one accepts every provider again
  --stage <stage>      local (default: the running npm start, signed in as its demo admin) | ${STAGES.join(' | ')}
  --api-url <url>      a deployed stage's API (required with a deployed --stage), e.g.
                       https://<id>.execute-api.<region>.amazonaws.com/v1; ${TOKEN_ENV} holds the access token
                       of an admin signed in with MFA (npm run login prints one locally)
  --state-dir <dir>    where npm start wrote endpoints.json (default .stockade)
  -h, --help           this help

Exit 0: done; 1: the API refused (its problem is printed); 2: usage or configuration.`;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

class UsageError extends Error {}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      reason: { type: 'string' },
      provider: { type: 'string', multiple: true },
      stage: { type: 'string', default: 'local' },
      'api-url': { type: 'string' },
      'state-dir': { type: 'string', default: path.join(PROJECT_ROOT, '.stockade') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [name, state, ...extra] = positionals;
  if (!name || extra.length > 0) throw new UsageError('name a switch and on or off, or list');
  if (name !== 'list') {
    if (state !== 'on' && state !== 'off') throw new UsageError(`say on or off after ${name}`);
    if (!values.reason) throw new UsageError('--reason is required: it is kept in the audit trail');
  }
  const { apiUrl, token } = await target(values);
  const call = apiCaller(apiUrl, { timeoutMs: 30_000 });
  if (name === 'list') {
    const listed = await call('GET', '/admin/switches', token);
    return report(listed.status, listed.body, () => {
      const switches = listed.body.switches as Array<{ name: string; on: boolean; providers?: string[]; lastModified?: string }>;
      for (const s of switches)
        console.log(
          `${s.name.padEnd(28)} ${s.on ? 'ON ' : 'off'}${s.providers?.length ? ` (${s.providers.join(', ')})` : ''}${s.lastModified ? `  since ${s.lastModified}` : ''}`,
        );
      console.log(`A flip acts within ${String(listed.body.cacheSeconds)} s.`);
    });
  }
  const flipped = await call('PUT', `/admin/switches/${encodeURIComponent(name)}`, token, {
    on: state === 'on',
    reason: values.reason as string,
    ...(values.provider ? { providers: values.provider } : {}),
  });
  return report(flipped.status, flipped.body, () => {
    const s = flipped.body as { name: string; on: boolean; providers?: string[] };
    console.log(`${s.name} is ${s.on ? 'ON' : 'off'}${s.providers ? ` (refused providers: ${s.providers.join(', ') || 'none'})` : ''}; audited.`);
  });
}

/** The API and an admin's access token: the running local runtime's demo admin, or a deployed stage's. */
async function target(values: { stage: string; 'api-url'?: string; 'state-dir': string }): Promise<{ apiUrl: string; token: string }> {
  if (values.stage !== 'local') {
    if (!(STAGES as readonly string[]).includes(values.stage)) throw new UsageError(`unknown stage ${values.stage}`);
    const token = process.env[TOKEN_ENV]?.trim();
    if (!values['api-url'] || !token) throw new UsageError(`--stage ${values.stage} needs --api-url and ${TOKEN_ENV}`);
    return { apiUrl: values['api-url'].replace(/\/$/, ''), token };
  }
  const file = path.join(values['state-dir'], 'endpoints.json');
  if (!existsSync(file))
    throw new UsageError(`no local runtime is running on ${values['state-dir']} (npm start writes ${file}); or pass --stage and --api-url`);
  const endpoints = JSON.parse(readFileSync(file, 'utf8')) as Endpoints;
  const admin = endpoints.users?.admin;
  if (!endpoints.cognito || !admin) throw new UsageError('endpoints.json has no Cognito or demo admin: is this a local runtime?');
  const client = new CognitoIdentityProviderClient({
    endpoint: endpoints.cognito.endpoint,
    region: endpoints.region,
    credentials: localCredentials,
    maxAttempts: 1,
  });
  try {
    return { apiUrl: endpoints.apiUrl, token: (await signInWithPassword(client, endpoints.cognito.clientId, admin)).AccessToken };
  } finally {
    client.destroy();
  }
}

function report(status: number, body: Record<string, unknown>, ok: () => void): number {
  if (status === 200) {
    ok();
    return 0;
  }
  console.error(`switch: ${status} ${String(body.title ?? '')}: ${String(body.detail ?? JSON.stringify(body))}`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(`switch: ${error instanceof Error ? error.message : String(error)}${usage ? '\n\nnpm run switch -- --help for usage' : ''}`);
    process.exit(usage ? 2 : 1);
  },
);
