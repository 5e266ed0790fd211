import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { resolveStageConfig } from '../../../lib/config/stages';
import { BUNDLE_CACHE_CONTEXT, PROJECT_ROOT, StockadeFunction } from '../../../lib/constructs/stockade-function';

const workDir = mkdtempSync(path.join(tmpdir(), 'stockade-function-files-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Synthesizes one GetOpenApi-like function with its document as an extra file; returns its asset directory. */
function packageOf(bundleCache: string): string {
  const outdir = path.join(workDir, `out-${path.basename(bundleCache)}`);
  const app = new App({ outdir, context: { [BUNDLE_CACHE_CONTEXT]: bundleCache } });
  const stack = new Stack(app, 'FilesTest');
  new StockadeFunction(stack, 'ServesDocument', {
    stageContext: { config: resolveStageConfig({ stage: 'dev' }), key: new Key(stack, 'Key') },
    entry: 'platform/get-openapi',
    service: 'test',
    files: { 'openapi.json': 'docs/openapi.json' },
  });
  app.synth();
  const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.') && existsSync(path.join(outdir, name, 'index.mjs')));
  expect(assets).toHaveLength(1);
  return path.join(outdir, assets[0] as string);
}

describe('StockadeFunction extra files', () => {
  const committed = readFileSync(path.join(PROJECT_ROOT, 'docs', 'openapi.json'), 'utf8');

  it.each([
    ['the bundle cache', () => path.join(workDir, 'cache')],
    ["NodejsFunction's own bundling (cache off)", () => 'off'],
  ])('ships the file beside the bundle through %s', (_path, cacheSetting) => {
    const directory = packageOf(cacheSetting());
    expect(readFileSync(path.join(directory, 'openapi.json'), 'utf8')).toBe(committed);
    expect(readFileSync(path.join(directory, 'index.mjs'), 'utf8')).toContain('openapi.json');
    // The document is read at run time, not compiled into the bundle.
    expect(readFileSync(path.join(directory, 'index.mjs'), 'utf8')).not.toContain('"jsonSchemaDialect"');
  });

  it('refuses a file named like the bundle', () => {
    const app = new App({ context: { [BUNDLE_CACHE_CONTEXT]: path.join(workDir, 'cache') } });
    const stack = new Stack(app, 'Refused');
    expect(
      () =>
        new StockadeFunction(stack, 'Overwrites', {
          stageContext: { config: resolveStageConfig({ stage: 'dev' }), key: new Key(stack, 'Key') },
          entry: 'platform/get-health',
          service: 'test',
          files: { 'index.mjs': 'docs/openapi.json' },
        }),
    ).toThrow(/plain file name/);
  });
});
