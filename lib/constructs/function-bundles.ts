import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, buildSync, version as esbuildVersion } from 'esbuild';

/** FUNCTION_BUNDLING keys translated below; any other key makes bundling refuse to run rather than drift from CDK's. */
const TRANSLATED = new Set([
  'format',
  'target',
  'platform',
  'minify',
  'sourceMap',
  'sourceMapMode',
  'sourcesContent',
  'mainFields',
  'externalModules',
  'banner',
  'define',
  'keepNames',
  'loader',
]);

/**
 * The esbuild options NodejsFunction derives from `bundling` (aws-lambda-nodejs Bundling.buildEsbuildArgs: `--bundle
 * --platform=node --target --format --minify --sourcemap --sources-content --external --define --banner
 * --main-fields`), as the esbuild JS API spells them, so a cached bundle is the bundle CDK would have built.
 */
export function esbuildOptionsOf(bundling: BundlingOptions): BuildOptions {
  const unknown = Object.keys(bundling).filter((key) => !TRANSLATED.has(key));
  if (unknown.length > 0) throw new Error(`lib/constructs/function-bundles.ts does not translate bundling.${unknown.join(', .')} to esbuild: add it`);
  return {
    bundle: true,
    // NodejsFunction always passes --platform=node; bundling.platform is the Docker platform, unused by local bundling.
    platform: 'node',
    format: bundling.format === OutputFormat.ESM ? 'esm' : 'cjs',
    ...(bundling.target ? { target: bundling.target } : {}),
    minify: bundling.minify ?? false,
    // --sourcemap for SourceMapMode.DEFAULT, --sourcemap=<mode> otherwise (esbuild's own names).
    sourcemap:
      bundling.sourceMapMode && bundling.sourceMapMode !== 'default' ? bundling.sourceMapMode : (bundling.sourceMapMode ?? bundling.sourceMap) ? true : false,
    sourcesContent: bundling.sourcesContent ?? true,
    external: [...(bundling.externalModules ?? [])],
    ...(bundling.mainFields ? { mainFields: [...bundling.mainFields] } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    ...(bundling.define ? { define: { ...bundling.define } } : {}),
    ...(bundling.keepNames ? { keepNames: true } : {}),
    ...(bundling.loader ? { loader: { ...bundling.loader } as BuildOptions['loader'] } : {}),
  };
}

/** A cached bundle no synthesis has used for this long is deleted. */
const PRUNE_AFTER_DAYS = 14;

/** What a function's bundle is built from: its entry file and the bundling options of its construct. */
/** Files shipped beside a bundle, read at run time: name in the function's package -> path relative to the project root. */
export type PackageFiles = Readonly<Record<string, string>>;

export interface BundleRequest {
  readonly entryFile: string;
  readonly bundling: BundlingOptions;
  /** Files copied beside the bundle. */
  readonly files?: PackageFiles;
}

/** The names a function's package may give its extra files: plain file names that do not replace the bundle. */
export function checkPackageFiles(files: PackageFiles): void {
  for (const [name, source] of Object.entries(files)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || /^index\.(m|c)?js(\.map)?$/.test(name))
      throw new Error(`A function's extra file must be a plain file name other than the bundle's, not ${JSON.stringify(name)}`);
    // Plain characters only: NodejsFunction's afterBundling hook names the file in a shell command.
    if (!/^[A-Za-z0-9._/-]+$/.test(source) || path.isAbsolute(source) || source.split('/').includes('..'))
      throw new Error(`A function's extra file comes from inside the project (a plain relative path), not ${JSON.stringify(source)}`);
  }
}

/** Counts and time of one process' bundling, for the `npm start` banner. */
export interface BundlingReport {
  /** Bundles taken from the cache, their inputs unchanged. */
  reused: number;
  /** Bundles esbuild built in this process. */
  built: number;
  /** Wall time spent bundling and checking the cache, in milliseconds. */
  ms: number;
}

interface RecentRequest {
  readonly entry: string;
  readonly bundling: BundlingOptions;
  readonly files?: PackageFiles;
  readonly usedAt: number;
}

interface Recipe {
  /** Every file esbuild read for the bundle (its metafile inputs) and its extra files, relative to the project root. */
  readonly inputs: readonly string[];
}

/**
 * Function bundles cached by the hash of their inputs. A bundle's key covers everything esbuild reads for it: the
 * esbuild version, the options, the entry, the contents of every input file its last build read (esbuild's
 * metafile), the names beside each project input (a new file can change what an import resolves to), and the
 * installed package tree (node_modules/.package-lock.json, tsconfig.json). A cached bundle is reused only when every
 * one of those is unchanged; otherwise it is rebuilt, and the first miss of a process builds every handler under
 * functions/ that is missing in one esbuild call (they share most of their modules, so one call costs a fraction of
 * forty).
 *
 * Layout: `<dir>/recipes/<recipe id>.json` (the inputs of the last build of an entry with given options) and
 * `<dir>/bundles/<key>/index.mjs(.map)` plus the request's extra files (their contents are inputs of the key), written
 * to a temporary directory and renamed, so processes may share it.
 */
export class FunctionBundleCache {
  readonly report: BundlingReport = { reused: 0, built: 0, ms: 0 };
  private readonly fileHashes = new Map<string, string>();
  private readonly listings = new Map<string, string>();
  private environmentHash: string | undefined;
  private warmed = false;

  constructor(
    readonly directory: string,
    readonly projectRoot: string,
    /** Handler entries to build together with the first miss (a hint: a wrong list only costs time). */
    private readonly warmEntries: () => readonly string[] = () => [],
    /** Written after every change of `report`, for the process that started this synthesis. */
    private readonly reportFile?: string,
  ) {}

  /** The directory holding `index.mjs` (or `index.js`) of the request's bundle, built if its inputs changed. */
  bundle(request: BundleRequest): string {
    const started = performance.now();
    try {
      this.remember(request);
      const cached = this.lookup(request);
      if (cached) {
        const now = new Date();
        utimesSync(cached, now, now);
        this.report.reused++;
        return cached;
      }
      if (!this.warmed) {
        this.warmed = true;
        const id = this.recipeId(request);
        const others = this.warmRequests(request)
          .filter((r) => this.recipeId(r) !== id)
          .filter((r) => this.lookup(r) === undefined);
        return this.build([request, ...others])[0] as string;
      }
      return this.build([request])[0] as string;
    } finally {
      this.report.ms += performance.now() - started;
      if (this.reportFile) writeJsonAtomically(this.reportFile, this.report);
    }
  }

  /**
   * What to build with the first miss: the requests recent syntheses made (each records its own), or on a cache
   * that has none yet, every handler under functions/ with the base options of the missing request.
   */
  private warmRequests(missing: BundleRequest): BundleRequest[] {
    this.recentRequests();
    if (this.previous.length > 0)
      return this.previous.map((r) => ({ entryFile: path.join(this.projectRoot, r.entry), bundling: r.bundling, ...(r.files ? { files: r.files } : {}) }));
    return this.warmEntries().map((entryFile) => ({ entryFile, bundling: withoutDefine(missing.bundling) }));
  }

  private recent: Record<string, RecentRequest> | undefined;
  /** recent.json as this process found it. */
  private previous: readonly RecentRequest[] = [];

  private recentRequests(): Record<string, RecentRequest> {
    if (!this.recent) {
      try {
        this.recent = JSON.parse(readFileSync(path.join(this.directory, 'recent.json'), 'utf8')) as Record<string, RecentRequest>;
        this.previous = Object.values(this.recent);
      } catch {
        this.recent = {};
      }
    }
    return this.recent;
  }

  /** Records a request in recent.json (at most once a day per request; requests unused for PRUNE_AFTER_DAYS drop out). */
  private remember(request: BundleRequest): void {
    const recent = this.recentRequests();
    const id = this.recipeId(request);
    const now = Date.now();
    if ((recent[id]?.usedAt ?? 0) > now - 86_400_000) return;
    recent[id] = {
      entry: path.relative(this.projectRoot, path.resolve(request.entryFile)),
      bundling: request.bundling,
      ...(request.files ? { files: request.files } : {}),
      usedAt: now,
    };
    for (const [key, r] of Object.entries(recent)) if (r.usedAt < now - PRUNE_AFTER_DAYS * 86_400_000) delete recent[key];
    writeJsonAtomically(path.join(this.directory, 'recent.json'), recent);
  }

  /** The cached bundle directory of a request whose inputs are unchanged since it was built, if any. */
  lookup(request: BundleRequest): string | undefined {
    const recipe = this.readRecipe(this.recipeId(request));
    if (!recipe) return undefined;
    const key = this.bundleKey(request, recipe.inputs);
    const directory = path.join(this.directory, 'bundles', key);
    return key && existsSync(path.join(directory, this.outputFile(request))) ? directory : undefined;
  }

  /** Builds requests that share options in one esbuild call, records their inputs, returns their directories. */
  private build(requests: readonly BundleRequest[]): string[] {
    const groups = new Map<string, BundleRequest[]>();
    for (const request of requests) {
      const options = JSON.stringify(esbuildOptionsOf(request.bundling));
      groups.set(options, [...(groups.get(options) ?? []), request]);
    }
    const directories = new Map<BundleRequest, string>();
    for (const group of groups.values()) {
      const staging = path.join(this.directory, 'tmp', randomUUID());
      const names = new Map(group.map((request, i) => [request, `${i}`]));
      const first = group[0] as BundleRequest;
      const started = Date.now();
      const result = buildSync({
        ...esbuildOptionsOf(first.bundling),
        entryPoints: Object.fromEntries(group.map((request) => [`${names.get(request)}/index`, path.resolve(request.entryFile)])),
        outdir: staging,
        outExtension: this.outputFile(first) === 'index.mjs' ? { '.js': '.mjs' } : {},
        absWorkingDir: this.projectRoot,
        metafile: true,
        logLevel: 'error',
      });
      const { metafile } = result;
      if (!metafile) throw new Error('esbuild returned no metafile');
      for (const request of group) {
        const name = names.get(request) as string;
        const output = Object.entries(metafile.outputs).find(([file]) => file.endsWith(`/${name}/${this.outputFile(request)}`));
        if (!output) throw new Error(`esbuild wrote no bundle for ${request.entryFile}`);
        const files = Object.entries(request.files ?? {});
        for (const [file, source] of files) copyFileSync(path.join(this.projectRoot, source), path.join(staging, name, file));
        const inputs = [...new Set([...Object.keys(output[1].inputs), ...files.map(([, source]) => path.normalize(source))])]
          .filter((input) => existsSync(path.join(this.projectRoot, input)))
          .sort();
        // A file saved while esbuild ran may be newer than what it read: such a bundle is used once, never cached.
        const key = inputs.some((input) => statSync(path.join(this.projectRoot, input)).mtimeMs >= started) ? '' : this.bundleKey(request, inputs);
        const directory = path.join(this.directory, 'bundles', key === '' ? `uncached-${randomUUID()}` : key);
        moveInto(path.join(staging, name), directory);
        if (key !== '') writeJsonAtomically(path.join(this.directory, 'recipes', `${this.recipeId(request)}.json`), { inputs } satisfies Recipe);
        directories.set(request, directory);
        this.report.built++;
      }
      rmSync(staging, { recursive: true, force: true });
    }
    this.prune();
    return requests.map((request) => directories.get(request) as string);
  }

  /** Removes bundles no process has used for PRUNE_AFTER_DAYS (each use touches its directory). */
  private prune(): void {
    const bundles = path.join(this.directory, 'bundles');
    const before = Date.now() - PRUNE_AFTER_DAYS * 86_400_000;
    for (const name of readdirSync(bundles)) {
      const directory = path.join(bundles, name);
      const unused = statSync(directory).mtimeMs < (name.startsWith('uncached-') ? Date.now() - 3_600_000 : before);
      if (unused) rmSync(directory, { recursive: true, force: true });
    }
  }

  private outputFile(request: BundleRequest): string {
    return request.bundling.format === OutputFormat.ESM ? 'index.mjs' : 'index.js';
  }

  /** Identifies an entry bundled with given options, whatever its inputs' contents. */
  private recipeId(request: BundleRequest): string {
    return sha256(
      JSON.stringify({
        esbuild: esbuildVersion,
        options: esbuildOptionsOf(request.bundling),
        entry: path.relative(this.projectRoot, path.resolve(request.entryFile)),
        ...(request.files ? { files: Object.entries(request.files).sort(([a], [b]) => a.localeCompare(b)) } : {}),
        environment: this.environment(),
      }),
    );
  }

  /** The key of the bundle built from these inputs as they are now; '' when one of them is gone. */
  private bundleKey(request: BundleRequest, inputs: readonly string[]): string {
    const hash = createHash('sha256').update(this.recipeId(request));
    for (const input of inputs) {
      const fileHash = this.fileHash(input);
      if (fileHash === undefined) return '';
      hash.update(`\0${input}\0${fileHash}`);
      if (!input.includes('node_modules/')) hash.update(`\0${this.listing(path.dirname(input))}`);
    }
    return hash.digest('hex');
  }

  /** The installed packages and compiler settings every bundle depends on. */
  private environment(): string {
    this.environmentHash ??= ['node_modules/.package-lock.json', 'package-lock.json', 'tsconfig.json'].map((file) => this.fileHash(file) ?? '-').join(',');
    return this.environmentHash;
  }

  private fileHash(relative: string): string | undefined {
    const known = this.fileHashes.get(relative);
    if (known) return known;
    try {
      const hash = sha256(readFileSync(path.join(this.projectRoot, relative)));
      this.fileHashes.set(relative, hash);
      return hash;
    } catch {
      return undefined;
    }
  }

  private listing(relativeDirectory: string): string {
    let listing = this.listings.get(relativeDirectory);
    if (listing === undefined) {
      try {
        listing = readdirSync(path.join(this.projectRoot, relativeDirectory)).sort().join('/');
      } catch {
        listing = '';
      }
      this.listings.set(relativeDirectory, listing);
    }
    return listing;
  }

  private readRecipe(recipeId: string): Recipe | undefined {
    try {
      return JSON.parse(readFileSync(path.join(this.directory, 'recipes', `${recipeId}.json`), 'utf8')) as Recipe;
    } catch {
      return undefined;
    }
  }
}

function withoutDefine(bundling: BundlingOptions): BundlingOptions {
  const { define: _define, ...rest } = bundling;
  return rest;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function writeJsonAtomically(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomUUID()}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value)}\n`);
  renameSync(temporary, file);
}

/** Renames a built bundle into place; another process that got there first wins (same key, same bundle). */
function moveInto(from: string, to: string): void {
  mkdirSync(path.dirname(to), { recursive: true });
  if (existsSync(to)) return;
  try {
    renameSync(from, to);
  } catch (error) {
    if (!existsSync(to)) throw error;
  }
}

/** Every file under `functions/` that exports a handler: the entries worth building together on a cold cache. */
export function handlerEntries(projectRoot: string): string[] {
  const walk = (directory: string): string[] =>
    readdirSync(directory).flatMap((name) => {
      const file = path.join(directory, name);
      if (statSync(file).isDirectory()) return walk(file);
      return name.endsWith('.ts') && /\bexport const handler\b/.test(readFileSync(file, 'utf8')) ? [file] : [];
    });
  const functions = path.join(projectRoot, 'functions');
  return existsSync(functions) ? walk(functions) : [];
}
