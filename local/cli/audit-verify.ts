import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient, paginateListTables } from '@aws-sdk/client-dynamodb';
import { DynamoDbAuditChainStore } from '../../shared/adapters/dynamodb-audit-log';
import { describeVerification, verifyAuditTrail } from '../../shared/domain/operations/audit-chain';
import { STAGES, type Stage } from '../../lib/config/stage-config';
import { STAGE_DEFAULTS } from '../../lib/config/stages';
import type { Endpoints } from '../runtime/local-runtime';
import { PROJECT_ROOT } from '../runtime/synth';

const USAGE = 'npm run audit:verify -- [--stage local|dev|staging|prod] [--table <name>] [--state-dir <dir>] [--json]';

/**
 * `npm run audit:verify`: walks every hash chain of the audit trail from its genesis to its head, checks each shard's
 * newest anchor lies on it, and prints the first broken link per shard with the item (edited, deleted, inserted or
 * reordered). `--stage local` (the default) reads the running local runtime's table through .stockade/endpoints.json;
 * a deployed stage's table is found by name (Stockade-<stage>-Data-AuditTable…) with the AWS credentials and region of
 * the environment, which need dynamodb:ListTables, GetItem and Query on it. Exit 0: every link intact; 1: broken; 2: usage.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string', default: 'local' },
      table: { type: 'string' },
      'state-dir': { type: 'string', default: path.join(PROJECT_ROOT, '.stockade') },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(`Usage: ${USAGE}\n\nVerifies every audit chain from its genesis; exits 1 and names the first broken link of each broken shard.`);
    return 0;
  }
  const stage = values.stage === 'local' ? 'dev' : values.stage;
  if (!(STAGES as readonly string[]).includes(stage ?? '')) {
    console.error(`Unknown stage "${values.stage}". Usage: ${USAGE}`);
    return 2;
  }
  const shards = STAGE_DEFAULTS[stage as Stage].audit.shards;
  let client: DynamoDBClient;
  let table = values.table;
  if (values.stage === 'local') {
    const endpoints = JSON.parse(readFileSync(path.join(values['state-dir'], 'endpoints.json'), 'utf8')) as Endpoints;
    client = new DynamoDBClient({ endpoint: endpoints.aws.dynamodb, region: endpoints.region, credentials: endpoints.aws.credentials });
    table ??= Object.entries(endpoints.tables).find(([logicalId]) => logicalId.startsWith('AuditTable'))?.[1];
  } else {
    client = new DynamoDBClient({});
    table ??= await deployedAuditTable(client, stage as Stage);
  }
  if (!table) {
    console.error(`No audit table found for stage ${values.stage}; pass --table. Usage: ${USAGE}`);
    return 2;
  }
  try {
    const reports = await verifyAuditTrail(new DynamoDbAuditChainStore(client, table, shards), { full: true });
    console.log(values.json ? JSON.stringify({ table, shards, reports }, null, 2) : describeVerification(reports).join('\n'));
    return reports.some((r) => r.broken) ? 1 : 0;
  } finally {
    client.destroy();
  }
}

async function deployedAuditTable(client: DynamoDBClient, stage: Stage): Promise<string | undefined> {
  const prefix = `Stockade-${stage}-Data-AuditTable`;
  for await (const page of paginateListTables({ client }, {})) {
    const found = page.TableNames?.find((name) => name.startsWith(prefix));
    if (found) return found;
  }
  return undefined;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(2);
  },
);
