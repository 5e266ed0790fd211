import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FUNCTION_BUNDLING } from '../../../lib/constructs/stockade-function';
import { checkPackageFiles, FunctionBundleCache } from '../../../lib/constructs/function-bundles';
import { synthesisInputsHash } from '../../../local/runtime/synth';

/** A throwaway project: functions/get-thing.ts imports shared/thing.ts. */
function project(): { root: string; entry: string; write: (relative: string, text: string) => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'stockade-bundles-'));
  const write = (relative: string, text: string) => {
    const file = path.join(root, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    // Older than any build that follows: a file saved while esbuild runs keeps its bundle out of the cache.
    const past = new Date(Date.now() - 60_000);
    utimesSync(file, past, past);
  };
  write('shared/thing.ts', "export const thing = 'first';\n");
  write('functions/get-thing.ts', "import { thing } from '../shared/thing';\nexport const handler = async () => thing;\n");
  return { root, entry: path.join(root, 'functions', 'get-thing.ts'), write };
}

const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

function setUp() {
  const p = project();
  roots.push(p.root);
  const cacheDir = path.join(p.root, 'cache');
  const cache = () => new FunctionBundleCache(cacheDir, p.root);
  return { ...p, cache };
}

describe('FunctionBundleCache', () => {
  it('reuses a bundle whose inputs did not change, in a later process', () => {
    const { entry, cache } = setUp();
    const first = cache();
    const built = first.bundle({ entryFile: entry, bundling: FUNCTION_BUNDLING });
    expect(first.report).toMatchObject({ built: 1, reused: 0 });

    const second = cache();
    expect(second.bundle({ entryFile: entry, bundling: FUNCTION_BUNDLING })).toBe(built);
    expect(second.report).toMatchObject({ built: 0, reused: 1 });
    expect(readFileSync(path.join(built, 'index.mjs'), 'utf8')).toContain('first');
  });

  it('rebuilds when a file the entry imports changes, and the new bundle has the change', () => {
    const { entry, write, cache } = setUp();
    const before = cache().bundle({ entryFile: entry, bundling: FUNCTION_BUNDLING });
    write('shared/thing.ts', "export const thing = 'second';\n");

    const after = cache();
    const rebuilt = after.bundle({ entryFile: entry, bundling: FUNCTION_BUNDLING });
    expect(after.report).toMatchObject({ built: 1, reused: 0 });
    expect(rebuilt).not.toBe(before);
    expect(readFileSync(path.join(rebuilt, 'index.mjs'), 'utf8')).toContain('second');
  });

  it('rebuilds when a new file beside an input could change what an import resolves to', () => {
    const { entry, write, cache } = setUp();
    const before = cache().bundle({ entryFile: entry, bundling: FUNCTION_BUNDLING });
    write('shared/unrelated.ts', 'export {};\n');
    expect(cache().bundle({ entryFile: entry, bundling: FUNCTION_BUNDLING })).not.toBe(before);
  });

  it('keeps bundles built with different options apart', () => {
    const { entry, cache } = setUp();
    const plain = cache().bundle({ entryFile: entry, bundling: FUNCTION_BUNDLING });
    const defined = cache().bundle({ entryFile: entry, bundling: { ...FUNCTION_BUNDLING, define: { 'process.env.X': '"y"' } } });
    expect(defined).not.toBe(plain);
  });

  it('ships extra files beside the bundle, reuses them unchanged and rebuilds when one changes', () => {
    const { entry, write, cache } = setUp();
    write('docs/data.json', '{"version":1}\n');
    const request = { entryFile: entry, bundling: FUNCTION_BUNDLING, files: { 'data.json': 'docs/data.json' } };
    const first = cache();
    const shipped = first.bundle(request);
    expect(readFileSync(path.join(shipped, 'data.json'), 'utf8')).toBe('{"version":1}\n');
    expect(readFileSync(path.join(shipped, 'index.mjs'), 'utf8')).toContain('first');

    const second = cache();
    expect(second.bundle(request)).toBe(shipped);
    expect(second.report).toMatchObject({ built: 0, reused: 1 });

    write('docs/data.json', '{"version":2}\n');
    const third = cache();
    const rebuilt = third.bundle(request);
    expect(third.report).toMatchObject({ built: 1, reused: 0 });
    expect(rebuilt).not.toBe(shipped);
    expect(readFileSync(path.join(rebuilt, 'data.json'), 'utf8')).toBe('{"version":2}\n');

    // The same entry without the file is another bundle, and carries no file.
    const plain = cache().bundle({ entryFile: entry, bundling: FUNCTION_BUNDLING });
    expect(plain).not.toBe(rebuilt);
    expect(existsSync(path.join(plain, 'data.json'))).toBe(false);
  });

  it('refuses an extra file that would replace the bundle or come from outside the project', () => {
    expect(() => checkPackageFiles({ 'index.mjs': 'docs/openapi.json' })).toThrow(/plain file name/);
    expect(() => checkPackageFiles({ 'index.mjs.map': 'docs/openapi.json' })).toThrow(/plain file name/);
    expect(() => checkPackageFiles({ '../escape.json': 'docs/openapi.json' })).toThrow(/plain file name/);
    expect(() => checkPackageFiles({ 'a.json': '../secrets.json' })).toThrow(/inside the project/);
    expect(() => checkPackageFiles({ 'a.json': '/etc/passwd' })).toThrow(/inside the project/);
    expect(() => checkPackageFiles({ 'a.json': 'docs/$(whoami).json' })).toThrow(/plain relative path/);
    expect(() => checkPackageFiles({ 'a.json': 'docs/a b.json' })).toThrow(/plain relative path/);
    expect(() => checkPackageFiles({ 'openapi.json': 'docs/openapi.json' })).not.toThrow();
  });

  it('refuses a bundling option it does not translate to esbuild', () => {
    const { entry, cache } = setUp();
    expect(() => cache().bundle({ entryFile: entry, bundling: { ...FUNCTION_BUNDLING, nodeModules: ['stripe'] } })).toThrow(/nodeModules/);
  });
});

describe('synthesisInputsHash', () => {
  it('changes with a source file or the context, and only then', () => {
    const { root, write } = setUp();
    write('lib/app.ts', 'export {};\n');
    const hash = synthesisInputsHash({ stage: 'dev' }, root);
    expect(synthesisInputsHash({ stage: 'dev' }, root)).toBe(hash);
    expect(synthesisInputsHash({ stage: 'prod' }, root)).not.toBe(hash);
    write('functions/get-thing.ts', 'export const handler = async () => 1;\n');
    expect(synthesisInputsHash({ stage: 'dev' }, root)).not.toBe(hash);
  });
});
