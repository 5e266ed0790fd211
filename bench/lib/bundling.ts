import * as path from 'node:path';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { FUNCTION_BUNDLING, PROJECT_ROOT } from '../../lib/constructs/stockade-function';

/** FUNCTION_BUNDLING keys this file translates; anything else makes the benchmark refuse to run rather than drift. */
const TRANSLATED = new Set(['format', 'target', 'platform', 'minify', 'sourceMap', 'sourcesContent', 'mainFields', 'externalModules', 'banner']);

/**
 * The esbuild options NodejsFunction passes for `bundling` (aws-lambda-nodejs Bundling.buildEsbuildArgs), as the
 * esbuild JS API spells them. Throws on a bundling option it does not know, so a new option in FUNCTION_BUNDLING
 * cannot silently leave the baseline bundled differently from the functions.
 */
export function esbuildOptionsFor(bundling: BundlingOptions): BuildOptions {
  const unknown = Object.keys(bundling).filter((key) => !TRANSLATED.has(key));
  if (unknown.length > 0) {
    throw new Error(
      `bench/lib/bundling.ts does not translate FUNCTION_BUNDLING.${unknown.join(', .')} to esbuild yet: add it so the baseline stays comparable`,
    );
  }
  if (!bundling.target) throw new Error('FUNCTION_BUNDLING.target is not set: the benchmark needs the explicit esbuild target');
  if (!bundling.externalModules) throw new Error('FUNCTION_BUNDLING.externalModules is not set: the benchmark needs the explicit list');
  return {
    bundle: true,
    // NodejsFunction always passes --platform=node. FUNCTION_BUNDLING.platform is DockerRunOptions.platform (docker
    // run --platform), which local bundling never reads, so it is deliberately not used here.
    platform: 'node',
    format: bundling.format === OutputFormat.ESM ? 'esm' : 'cjs',
    target: bundling.target,
    minify: bundling.minify ?? false,
    sourcemap: bundling.sourceMap ?? false,
    sourcesContent: bundling.sourcesContent ?? true,
    external: [...bundling.externalModules],
    ...(bundling.mainFields ? { mainFields: [...bundling.mainFields] } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
  };
}

export const FUNCTION_ESBUILD_OPTIONS = esbuildOptionsFor(FUNCTION_BUNDLING);

/**
 * Bundles `entry` into `outdir`/index.mjs (or index.js) the way every function is bundled, with a metafile. `define`
 * is what StockadeFunction adds for one function (its inlined inventory provider data).
 */
export async function bundleLikeAFunction(
  entry: string,
  outdir: string,
  options: { define?: Record<string, string> } = {},
): Promise<{ file: string; metafile: Metafile }> {
  const file = path.join(outdir, FUNCTION_ESBUILD_OPTIONS.format === 'esm' ? 'index.mjs' : 'index.js');
  const result = await build({
    ...FUNCTION_ESBUILD_OPTIONS,
    ...(options.define ? { define: options.define } : {}),
    entryPoints: [entry],
    outfile: file,
    absWorkingDir: PROJECT_ROOT,
    metafile: true,
    logLevel: 'silent',
  });
  return { file, metafile: result.metafile };
}

export interface PackageShare {
  /** npm package name, or 'project code' for files outside node_modules. */
  readonly name: string;
  readonly bytes: number;
}

/** Bytes each npm package contributes to the bundle, largest first. */
export function packageShares(metafile: Metafile): PackageShare[] {
  const totals = new Map<string, number>();
  for (const [outputPath, output] of Object.entries(metafile.outputs)) {
    if (outputPath.endsWith('.map')) continue;
    for (const [inputPath, input] of Object.entries(output.inputs)) {
      const name = packageOf(inputPath);
      totals.set(name, (totals.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** The npm package an esbuild input path belongs to (the innermost node_modules), or 'project code'. */
export function packageOf(inputPath: string): string {
  const at = inputPath.lastIndexOf('node_modules/');
  if (at < 0) return 'project code';
  const [scopeOrName = '', name = ''] = inputPath.slice(at + 'node_modules/'.length).split('/');
  return scopeOrName.startsWith('@') ? `${scopeOrName}/${name}` : scopeOrName;
}
