import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { FUNCTION_BUNDLING, PROJECT_ROOT } from '../../../lib/constructs/stockade-function';

/**
 * What only a bundle shows: esbuild drops modules whose exports go unused when package.json says they have no side
 * effects, so the two modules that act by being imported (zod's English messages, source-mapped stacks) must be
 * listed as having them. A minified, source-mapped ESM bundle like a function's, run in a fresh Node process as
 * Lambda would run it, without --enable-source-maps.
 */
const ENTRY = `
import '${path.join(PROJECT_ROOT, 'shared/observability/source-mapped-stacks')}';
import { CartItemBodySchema } from '${path.join(PROJECT_ROOT, 'shared/schemas/cart')}';
function checkQuantity(body) {
  const parsed = CartItemBodySchema.safeParse(body);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join('; '));
}
export function rejectQuantity(body) {
  checkQuantity(body);
}
`;

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'stockade-bundle-'));
  writeFileSync(path.join(dir, 'entry.mjs'), ENTRY);
  await build({
    entryPoints: [path.join(dir, 'entry.mjs')],
    outfile: path.join(dir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: FUNCTION_BUNDLING.target,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    absWorkingDir: PROJECT_ROOT,
    logLevel: 'silent',
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stackOf(env: Record<string, string>): string {
  const script = `import('./index.mjs').then((m) => { try { m.rejectQuantity({ quantity: 0 }); } catch (e) { console.log(e.stack); } });`;
  return execFileSync(process.execPath, ['-e', script], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
}

test('zod issues carry English messages in a bundle', () => {
  expect(stackOf({})).toContain('Error: Too small: expected number to be >=1');
});

test('in a Lambda environment, frames of the bundle show their source file, line and function', () => {
  const stack = stackOf({ AWS_LAMBDA_FUNCTION_NAME: 'bundle-test' });
  // The name is the one its caller used; the outermost frame (called from outside the bundle) keeps the minified one.
  expect(stack).toMatch(/at checkQuantity \(.*entry\.mjs:6:\d+\)\n\s+at \S+ \(.*entry\.mjs:9:\d+\)/);
  expect(stack).not.toContain('index.mjs');
});

test('outside Lambda, stacks are left as V8 writes them', () => {
  expect(stackOf({})).toMatch(/index\.mjs:\d+:\d+/);
});
