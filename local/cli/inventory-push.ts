import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { sendInventoryWebhook } from '../partners/inventory-provider/inventory-webhook-sender';
import type { Endpoints } from '../runtime/local-runtime';
import { PROJECT_ROOT } from '../runtime/synth';

const USAGE =
  'npm run inventory:push -- --provider <id> --sku <externalSku> --quantity <n> [--unit <unit>] [--version <n>] [--event-id <id>] [--state-dir <dir>]';

const ABSOLUTE =
  'The quantity is an absolute stock level: how many the provider has on hand now (in --unit, translated to eaches by\n' +
  "the stage's mapping), which replaces the SKU's stock on hand; it is not added to it. Stock is never set below\n" +
  'what open orders hold (reserved): such a report is clamped and recorded. A vendor changes its own stock by a\n' +
  'delta with POST /vendor/products/{productId}/stock.';

/**
 * `npm run inventory:push -- --provider acme-warehouse --sku ACME-10001 --quantity 40`: sends one stock line to the
 * running API's inventory webhook as that provider would, signed with the provider's secret from
 * .stockade/endpoints.json, and prints the answer. The quantity sets an absolute stock level (what the provider has
 * on hand), not a change. Exits non-zero when the API does not answer 2xx.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      provider: { type: 'string' },
      sku: { type: 'string' },
      quantity: { type: 'string' },
      unit: { type: 'string' },
      version: { type: 'string' },
      'event-id': { type: 'string' },
      'state-dir': { type: 'string', default: path.join(PROJECT_ROOT, '.stockade') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(`Usage: ${USAGE}\n\nSends one stock line to the running API's inventory webhook, signed as the provider would sign it.\n${ABSOLUTE}`);
    return 0;
  }
  const { provider, sku } = values;
  const quantity = Number(values.quantity);
  const version = values.version === undefined ? undefined : Number(values.version);
  if (!provider || !sku || values.quantity === undefined || !Number.isFinite(quantity) || (version !== undefined && !Number.isSafeInteger(version))) {
    console.error(`Usage: ${USAGE}`);
    return 2;
  }
  const endpoints = JSON.parse(readFileSync(path.join(values['state-dir'], 'endpoints.json'), 'utf8')) as Endpoints;
  const secret = endpoints.inventoryProviders[provider]?.secret;
  if (!secret)
    throw new Error(
      `No inventory provider "${provider}" in endpoints.json (${Object.keys(endpoints.inventoryProviders).join(', ') || 'none'}); is npm start running?`,
    );

  const line = { externalSku: sku, quantity, ...(values.unit ? { unit: values.unit } : {}), ...(version === undefined ? {} : { version }) };
  const response = await sendInventoryWebhook(endpoints.apiUrl, provider, secret, [line], { eventId: values['event-id'] });
  const unit = values.unit ?? 'unit';
  process.stdout.write(`${provider} reports ${sku} at ${quantity} ${unit}${quantity === 1 ? '' : 's'} on hand: an absolute stock level, not a change\n`);
  process.stdout.write(`${response.status} ${response.text}\n`);
  return response.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  },
);
