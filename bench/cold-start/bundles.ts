import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadInventoryProviders } from '../../lib/config/inventory-providers';
import { resolveStageConfig } from '../../lib/config/stages';
import { PROJECT_ROOT } from '../../lib/constructs/stockade-function';
import { bundleLikeAFunction, packageShares, type PackageShare } from '../lib/bundling';
import { BENCH_OUT } from '../lib/paths';
import { floorName, floorTarget, sdkClientsOf } from './floors';
import { baselineTarget, frameworkTarget, type Target } from './targets';

export interface BundleFacts {
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly mapBytes: number;
  readonly shares: readonly PackageShare[];
  /** Whether rebuilding the entry with the baseline's options reproduced the CDK bundle byte for byte. */
  readonly reproduced?: boolean;
  /** The AWS SDK client packages in the bundle (undefined when its contents are unknown). */
  readonly sdkClients?: readonly string[];
}

/** A target, what its bundle is made of, and the samples taken of it so far. */
export interface Measured {
  readonly target: Target;
  readonly bundle: BundleFacts;
  readonly importMs: number[];
  readonly invokeMs: number[];
  readonly bootstrapMs: number[];
  readonly network: Set<string>;
  /**
   * The function's import time over its floor's, one per round, each from a pair of samples taken one right after the
   * other (bench/cold-start/probe.ts): what drifts over a run (the host's other tenants, its clock) touches both alike.
   */
  readonly floorRatios: number[];
  /** A function's floor: a bundle of only its AWS SDK clients (the baseline for a function without any). */
  floor?: Measured;
  error?: string;
}

/**
 * The baseline, the framework reference, the floors and every function with the facts of its bundle, ready to
 * sample: the baseline first, then the framework reference, the floors (one per distinct set of SDK clients) and the
 * functions.
 */
export async function bundlesToMeasure(
  functions: readonly Target[],
  stage: string,
): Promise<{ baseline: Measured; framework: Measured; measured: Measured[] }> {
  const newMeasured = (target: Target, bundle: BundleFacts): Measured => ({
    target,
    bundle,
    importMs: [],
    invokeMs: [],
    bootstrapMs: [],
    network: new Set(),
    floorRatios: [],
  });
  const base = await baselineTarget(functions, stage);
  const baseline = newMeasured(base.target, { ...bundleSizes(base.target), shares: base.shares, sdkClients: [] });
  const frame = await frameworkTarget(base.target, functions);
  const framework = newMeasured(frame.target, { ...bundleSizes(frame.target), shares: frame.shares, sdkClients: [] });
  const inventoryProviders = JSON.stringify(JSON.stringify(loadInventoryProviders(resolveStageConfig({ stage }))));
  const measuredFunctions: Measured[] = [];
  for (const [index, target] of functions.entries()) {
    const contents = await bundleContents(target, path.join(BENCH_OUT, 'rebuilt', String(index)), inventoryProviders);
    measuredFunctions.push(newMeasured(target, { ...bundleSizes(target), ...contents }));
  }
  const floors = new Map<string, Measured>();
  for (const m of measuredFunctions) {
    const clients = m.bundle.sdkClients;
    if (!clients) continue;
    if (clients.length === 0) {
      m.floor = baseline;
      continue;
    }
    const key = floorName(clients);
    if (!floors.has(key)) {
      const floor = await floorTarget(clients, base.target.environment);
      floors.set(key, newMeasured(floor.target, { ...bundleSizes(floor.target), shares: floor.shares, sdkClients: clients }));
    }
    m.floor = floors.get(key);
  }
  const sortedFloors = [...floors.values()].sort((a, b) => a.target.label.localeCompare(b.target.label));
  return { baseline, framework, measured: [baseline, framework, ...sortedFloors, ...measuredFunctions] };
}

/** Sizes of a bundle as deployed: index.mjs, its gzip size, and the source map shipped beside it. */
function bundleSizes(target: Target): Pick<BundleFacts, 'bytes' | 'gzipBytes' | 'mapBytes'> {
  const code = readFileSync(target.bundleFile);
  return { bytes: code.length, gzipBytes: gzipSync(code).length, mapBytes: statSync(`${target.bundleFile}.map`, { throwIfNoEntry: false })?.size ?? 0 };
}

/**
 * What a function's bundle is made of: its entry rebuilt with the baseline's esbuild options plus a metafile (and,
 * when the bundle reads the inlined inventory provider data, the stage's data defined as StockadeFunction defines
 * it). The rebuild must reproduce the CDK bundle byte for byte, which also proves the baseline is bundled exactly
 * like the functions.
 */
async function bundleContents(target: Target, scratch: string, inventoryProviders: string): Promise<Pick<BundleFacts, 'shares' | 'reproduced' | 'sdkClients'>> {
  const sources = sourcesOf(target);
  const entry = functionEntryOf(sources);
  if (!entry) {
    target.notes.push('bundle contents unknown (no single handler under functions/ in its source map)');
    return { shares: [] };
  }
  const inlinesProviders = sources.includes(path.join(PROJECT_ROOT, 'shared', 'config', 'inventory-providers.ts'));
  const define = inlinesProviders ? { define: { 'process.env.STOCKADE_INVENTORY_PROVIDERS': inventoryProviders } } : {};
  const rebuilt = await bundleLikeAFunction(entry, scratch, define);
  const reproduced = readFileSync(rebuilt.file).equals(readFileSync(target.bundleFile));
  if (!reproduced)
    target.notes.push(
      `rebuilding ${path.relative(PROJECT_ROOT, entry)} with the baseline's options did not reproduce the CDK bundle: bench/lib/bundling.ts has drifted from FUNCTION_BUNDLING`,
    );
  return { shares: packageShares(rebuilt.metafile), reproduced, sdkClients: sdkClientsOf(rebuilt.metafile) };
}

/**
 * The project files named in the bundle's source map, as absolute paths (none without a readable map). esbuild names
 * sources relative to the directory it wrote the bundle in, which is not the asset directory the bundle was copied to
 * (CDK's bundling directory, or the bundle cache under node_modules/.cache), so each is read as the path left after
 * its leading `../` segments and kept when the project has that file.
 */
function sourcesOf(target: Target): string[] {
  let sources: string[];
  try {
    sources = (JSON.parse(readFileSync(`${target.bundleFile}.map`, 'utf8')) as { sources?: string[] }).sources ?? [];
  } catch {
    return [];
  }
  return sources
    .map((s) => s.replace(/^(\.\.\/)+/, ''))
    .filter((s) => /^(functions|shared)\//.test(s))
    .map((s) => path.join(PROJECT_ROOT, s))
    .filter((s) => existsSync(s));
}

/**
 * The function's entry: the one source under functions/ that is neither an area's composition root
 * (functions/<area>/root.ts, which handlers import, also across areas) nor a shared piece of functions/wiring/.
 */
function functionEntryOf(sources: readonly string[]): string | undefined {
  const functionsDir = path.join(PROJECT_ROOT, 'functions') + path.sep;
  const wiringDir = path.join(functionsDir, 'wiring') + path.sep;
  const entries = sources.filter((s) => s.startsWith(functionsDir) && !s.startsWith(wiringDir) && path.basename(s) !== 'root.ts');
  return entries.length === 1 ? entries[0] : undefined;
}
