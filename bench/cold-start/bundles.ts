import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PROJECT_ROOT } from '../../lib/constructs/stockade-function';
import { bundleLikeAFunction, packageShares, type PackageShare } from '../lib/bundling';
import { BENCH_OUT } from '../lib/paths';
import { baselineTarget, type Target } from './targets';

export interface BundleFacts {
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly mapBytes: number;
  readonly shares: readonly PackageShare[];
  /** Whether rebuilding the entry with the baseline's options reproduced the CDK bundle byte for byte. */
  readonly reproduced?: boolean;
}

/** A target, what its bundle is made of, and the samples taken of it so far. */
export interface Measured {
  readonly target: Target;
  readonly bundle: BundleFacts;
  readonly importMs: number[];
  readonly invokeMs: number[];
  readonly bootstrapMs: number[];
  readonly network: Set<string>;
  error?: string;
}

/** The baseline and every function with the facts of its bundle, ready to sample; the baseline comes first. */
export async function bundlesToMeasure(functions: readonly Target[], stage: string): Promise<{ baseline: Measured; measured: Measured[] }> {
  const newMeasured = (target: Target, bundle: BundleFacts): Measured => ({ target, bundle, importMs: [], invokeMs: [], bootstrapMs: [], network: new Set() });
  const base = await baselineTarget(functions, stage);
  const baseline = newMeasured(base.target, { ...bundleSizes(base.target), shares: base.shares });
  const measured = [baseline];
  for (const [index, target] of functions.entries()) {
    measured.push(newMeasured(target, { ...bundleSizes(target), ...(await bundleContents(target, path.join(BENCH_OUT, 'rebuilt', String(index)))) }));
  }
  return { baseline, measured };
}

/** Sizes of a bundle as deployed: index.mjs, its gzip size, and the source map shipped beside it. */
function bundleSizes(target: Target): Pick<BundleFacts, 'bytes' | 'gzipBytes' | 'mapBytes'> {
  const code = readFileSync(target.bundleFile);
  return { bytes: code.length, gzipBytes: gzipSync(code).length, mapBytes: statSync(`${target.bundleFile}.map`, { throwIfNoEntry: false })?.size ?? 0 };
}

/**
 * What a function's bundle is made of: its entry (the one source under functions/ in the source map; handlers never
 * import each other) rebuilt with the baseline's esbuild options plus a metafile. The rebuild must reproduce the CDK
 * bundle byte for byte, which also proves the baseline is bundled exactly like the functions.
 */
async function bundleContents(target: Target, scratch: string): Promise<Pick<BundleFacts, 'shares' | 'reproduced'>> {
  const entry = functionEntryOf(target);
  if (!entry) {
    target.notes.push('bundle contents unknown (no single functions/ entry in its source map)');
    return { shares: [] };
  }
  const rebuilt = await bundleLikeAFunction(entry, scratch);
  const reproduced = readFileSync(rebuilt.file).equals(readFileSync(target.bundleFile));
  if (!reproduced)
    target.notes.push(
      `rebuilding ${path.relative(PROJECT_ROOT, entry)} with the baseline's options did not reproduce the CDK bundle: bench/lib/bundling.ts has drifted from FUNCTION_BUNDLING`,
    );
  return { shares: packageShares(rebuilt.metafile), reproduced };
}

/** The one source under functions/ named in the bundle's source map, or undefined when there is not exactly one. */
function functionEntryOf(target: Target): string | undefined {
  const functionsDir = path.join(PROJECT_ROOT, 'functions') + path.sep;
  let entries: string[] = [];
  try {
    const map = JSON.parse(readFileSync(`${target.bundleFile}.map`, 'utf8')) as { sources?: string[] };
    entries = (map.sources ?? []).map((s) => path.resolve(target.codeDirectory, s)).filter((s) => s.startsWith(functionsDir));
  } catch {
    // No readable source map: sizes only.
  }
  return entries.length === 1 ? entries[0] : undefined;
}
