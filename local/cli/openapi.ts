/**
 * `npm run openapi`: writes docs/openapi.json from the code's route tables (shared/openapi/document.ts), formatted as
 * Prettier formats it. The file is committed; a unit test fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as prettier from 'prettier';
import { openApiDocument } from '../../shared/openapi/document';
import packageJson from '../../package.json';
import { PROJECT_ROOT } from '../runtime/synth';

async function main(): Promise<void> {
  const target = path.join(PROJECT_ROOT, 'docs', 'openapi.json');
  const text = JSON.stringify(openApiDocument({ version: packageJson.version }));
  const formatted = await prettier.format(text, { ...(await prettier.resolveConfig(target)), filepath: target });
  writeFileSync(target, formatted);
  console.log(`Wrote ${path.relative(process.cwd(), target)}`);
}

void main();
