import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type InventoryProviders, parseInventoryProviders } from '../../shared/domain/inventory/provider-config';
import type { StageConfig } from './stage-config';

/** config/inventory-providers/<stage>.json: the stage's provider mappings, kept as data beside the code. */
export function inventoryProvidersFile(stage: StageConfig['stage']): string {
  return path.join(__dirname, '..', '..', 'config', 'inventory-providers', `${stage}.json`);
}

/**
 * Loads and validates the stage's inventory provider data; the providers must be exactly the stage's
 * `inventoryProviders` (each of which has its HMAC secret), so a mapping cannot name a provider that cannot sign.
 */
export function loadInventoryProviders(config: StageConfig): InventoryProviders {
  const file = inventoryProvidersFile(config.stage);
  let data: InventoryProviders;
  try {
    data = parseInventoryProviders(JSON.parse(readFileSync(file, 'utf8')) as unknown);
  } catch (error) {
    throw new Error(`${path.relative(process.cwd(), file)}: ${(error as Error).message}`);
  }
  const mapped = Object.keys(data.providers).sort();
  const declared = [...config.inventoryProviders].sort();
  if (mapped.join(',') !== declared.join(',')) {
    throw new Error(
      `${path.relative(process.cwd(), file)} maps providers [${mapped.join(', ')}] but stage ${config.stage} declares inventoryProviders [${declared.join(', ')}]`,
    );
  }
  return data;
}
