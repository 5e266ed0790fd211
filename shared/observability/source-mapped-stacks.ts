import { SourceMap } from 'node:module';

/**
 * Readable stack traces from the minified bundle without paying for them at cold start. Node's
 * `--enable-source-maps` reads and parses the bundle's whole source map while the bundle loads (7-17 ms of CPU per
 * cold start here, docs/operations.md), although most cold starts never format a stack. Instead, stacks are formatted
 * by this hook: V8 calls it only when an error's `stack` is first read (a logged error), and only then is
 * `index.mjs.map` read, once per execution environment, and each frame of the bundle shown at its source position,
 * e.g. `at parsePart (shared/http/http-handler.ts:123:30)`. Frames outside a mapped file keep V8's own text. With
 * `--enable-source-maps` set (a local debugging session), Node's own support is left alone.
 */
const cache = new Map<string, SourceMap | null>();

/** The source map beside a bundle file, parsed once; null when there is none or it cannot be read. */
function sourceMapOf(fileName: string): SourceMap | null {
  let map = cache.get(fileName);
  if (map === undefined) {
    try {
      // node:fs and node:url are taken here, when a stack is first formatted, not imported with the module: a function
      // that loads neither otherwise (no AWS SDK client) saves about 1.5 ms of every cold start.
      const { fileURLToPath } = process.getBuiltinModule('node:url');
      const { readFileSync } = process.getBuiltinModule('node:fs');
      const file = fileName.startsWith('file://') ? fileURLToPath(fileName) : fileName;
      // The file is a loaded module's own path, from V8's call site, never from a request.
      map = file.endsWith('.mjs') || file.endsWith('.js') ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as never) : null;
    } catch {
      map = null;
    }
    cache.set(fileName, map);
  }
  return map;
}

/** Where a call site of a bundle was in the sources, or undefined when its file has no map or no entry for it. */
function originOf(site: NodeJS.CallSite): { source: string; line: number; column: number; name?: string } | undefined {
  const fileName = site.getFileName();
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (!fileName || line === null || column === null) return undefined;
  const entry = sourceMapOf(fileName)?.findEntry(line - 1, column - 1);
  if (!entry || !('originalSource' in entry) || entry.originalSource === undefined) return undefined;
  // esbuild names sources relative to the bundle (../../shared/x.ts): the repository path is what a reader needs.
  const source = entry.originalSource.replace(/^(\.\.\/)+/, '').replace(/^file:\/\//, '');
  // `name` (the source's identifier at that position) is in every Node the functions run on, not yet in @types/node 20.
  const { name } = entry as { name?: string };
  return { source, line: entry.originalLine + 1, column: entry.originalColumn + 1, ...(name ? { name } : {}) };
}

/** One frame: mapped when its file has a source map. The name is the one the caller's call expression used, as Node does. */
function frame(sites: readonly NodeJS.CallSite[], index: number): string {
  const site = sites[index] as NodeJS.CallSite;
  const origin = originOf(site);
  if (!origin) return site.toString();
  const caller = sites[index + 1];
  const name = (caller && originOf(caller)?.name) ?? site.getFunctionName() ?? undefined;
  const where = `${origin.source}:${origin.line}:${origin.column}`;
  const async = site.isAsync() ? 'async ' : '';
  return name ? `${async}${name} (${where})` : `${async}${where}`;
}

function header(error: Error): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return '<error>';
  }
}

/**
 * Installs the hook in a Lambda execution environment (deployed, or the local runtime's), unless Node's own source
 * map support is on. Elsewhere (jest, scripts) stacks are left to whoever formats them there.
 */
export function installSourceMappedStacks(env: NodeJS.ProcessEnv = process.env): void {
  if (!env.AWS_LAMBDA_FUNCTION_NAME) return;
  if (process.execArgv.includes('--enable-source-maps') || (env.NODE_OPTIONS ?? '').includes('--enable-source-maps')) return;
  Error.prepareStackTrace = (error, sites) => `${header(error)}${sites.map((_, i) => `\n    at ${frame(sites, i)}`).join('')}`;
}

installSourceMappedStacks();
