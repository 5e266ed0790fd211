/**
 * `npm run openapi`: writes docs/openapi.json from the code's route tables (shared/openapi/document.ts), formatted as
 * Prettier formats it, and the reference page docs/api/index.html with Scalar's standalone bundle copied beside it
 * (the bundle is not committed: it is the pinned @scalar/api-reference's own file). Both files are committed; a unit
 * test fails when either is stale.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as prettier from 'prettier';
import { openApiDocument } from '../../shared/openapi/document';
import { REFERENCE_BUNDLE, referencePage } from '../../shared/openapi/reference-page';
import packageJson from '../../package.json';
import { PROJECT_ROOT } from '../runtime/synth';
import { SCALAR_STANDALONE } from '../runtime/docs-server';

async function main(): Promise<void> {
  const target = path.join(PROJECT_ROOT, 'docs', 'openapi.json');
  const document = openApiDocument({ version: packageJson.version });
  const formatted = await prettier.format(JSON.stringify(document), { ...(await prettier.resolveConfig(target)), filepath: target });
  writeFileSync(target, formatted);
  const pageDirectory = path.join(PROJECT_ROOT, 'docs', 'api');
  mkdirSync(pageDirectory, { recursive: true });
  writeFileSync(path.join(pageDirectory, 'index.html'), referencePage(document));
  copyFileSync(SCALAR_STANDALONE, path.join(pageDirectory, REFERENCE_BUNDLE));
  console.log(`Wrote ${path.relative(process.cwd(), target)} and ${path.relative(process.cwd(), path.join(pageDirectory, 'index.html'))}`);
}

void main();
