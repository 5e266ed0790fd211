import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { Metafile } from 'esbuild';
import { PROJECT_ROOT } from '../../lib/constructs/stockade-function';
import { bundleLikeAFunction, packageOf, packageShares, type PackageShare } from '../lib/bundling';
import { BENCH_OUT } from '../lib/paths';
import type { Target } from './targets';

/** The AWS SDK client packages a bundle carries (its metafile's inputs under node_modules/@aws-sdk/client-*), sorted. */
export function sdkClientsOf(metafile: Metafile): string[] {
  const clients = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const name = packageOf(input);
    if (name.startsWith('@aws-sdk/client-')) clients.add(name);
  }
  return [...clients].sort();
}

/** The client class a client package exports, e.g. @aws-sdk/client-dynamodb -> DynamoDBClient. */
function clientClassOf(packageName: string): string {
  const exported = Object.keys(createRequire(path.join(PROJECT_ROOT, 'package.json'))(packageName) as object);
  const classes = exported.filter((name) => /^[A-Z][A-Za-z0-9]*Client$/.test(name));
  if (classes.length !== 1)
    throw new Error(`${packageName} exports ${classes.length} client classes (${classes.join(', ')}): cannot tell which one to construct`);
  return classes[0] as string;
}

/** A short name for a set of clients, e.g. 'dynamodb + sqs'. */
export const floorName = (clients: readonly string[]) => clients.map((c) => c.replace('@aws-sdk/client-', '')).join(' + ');

/**
 * The floor of a function: a handler that imports and constructs, at module scope, exactly the AWS SDK clients the
 * function's bundle carries and nothing else, bundled like every function. What no code of ours can go below.
 */
export async function floorTarget(clients: readonly string[], environment: Record<string, string>): Promise<{ target: Target; shares: PackageShare[] }> {
  const name = floorName(clients);
  const directory = path.join(BENCH_OUT, 'floors', name.replace(/[^a-z0-9]+/g, '-'));
  mkdirSync(directory, { recursive: true });
  const entry = path.join(directory, 'entry.mjs');
  const classes = clients.map((c) => ({ pkg: c, cls: clientClassOf(c) }));
  writeFileSync(
    entry,
    [
      ...classes.map(({ pkg, cls }) => `import { ${cls} } from '${pkg}';`),
      `export const clients = [${classes.map(({ cls }) => `new ${cls}({})`).join(', ')}];`,
      `export const handler = async () => ({ statusCode: 200, body: '' });`,
      '',
    ].join('\n'),
  );
  const codeDirectory = path.join(directory, 'bundle');
  const { file, metafile } = await bundleLikeAFunction(entry, codeDirectory);
  const target: Target = { label: `floor: ${name}`, routes: [], codeDirectory, bundleFile: file, handlerExport: 'handler', environment, notes: [] };
  return { target, shares: packageShares(metafile) };
}
