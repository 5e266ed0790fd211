import { build, type Metafile } from 'esbuild';
import { FUNCTION_ESBUILD_OPTIONS } from '../../bench/lib/bundling';
import { PROJECT_ROOT, StockadeFunction } from '../../lib/constructs/stockade-function';
import type { SynthesizedStage } from '../infra/synth-stage';

/** A function's bundle as CDK builds it (same esbuild options, tree-shaken), unminified so names stay readable. */
export interface FunctionBundle {
  /** The bundled JavaScript. */
  readonly text: string;
  /** esbuild's record of every input and how many bytes of it the output kept. */
  readonly metafile: Metafile;
}

/** A StockadeFunction of a synthesized stage: its construct id and the file esbuild bundles for it. */
export interface StageFunction {
  readonly fn: StockadeFunction;
  readonly name: string;
  readonly entryFile: string;
}

/** Every StockadeFunction of the stage, in construct order. */
export function stageFunctions(synth: SynthesizedStage): StageFunction[] {
  return synth.app.node
    .findAll()
    .filter((c): c is StockadeFunction => c instanceof StockadeFunction)
    .map((fn) => ({ fn, name: fn.node.id, entryFile: fn.entryFile }));
}

const bundles = new Map<string, Promise<FunctionBundle>>();

/**
 * The bundle of an entry, built once per entry for the whole test file (jest gives each file its own modules). Only
 * minification and the source map differ from CDK's build: neither changes which modules or packages are kept.
 */
export function bundleOf(entryFile: string): Promise<FunctionBundle> {
  let bundle = bundles.get(entryFile);
  if (!bundle) {
    bundle = build({
      ...FUNCTION_ESBUILD_OPTIONS,
      entryPoints: [entryFile],
      outfile: 'index.mjs',
      absWorkingDir: PROJECT_ROOT,
      minify: false,
      sourcemap: false,
      write: false,
      metafile: true,
      logLevel: 'silent',
    }).then((result) => ({ text: result.outputFiles.map((f) => f.text).join('\n'), metafile: result.metafile }));
    bundles.set(entryFile, bundle);
  }
  return bundle;
}

/** The npm package an esbuild input path belongs to (its innermost node_modules/<pkg> or node_modules/@scope/pkg), or 'project'. */
export function packageOfInput(inputPath: string): string {
  const at = inputPath.lastIndexOf('node_modules/');
  if (at < 0) return 'project';
  const [scopeOrName = '', name = ''] = inputPath.slice(at + 'node_modules/'.length).split('/');
  return scopeOrName.startsWith('@') ? `${scopeOrName}/${name}` : scopeOrName;
}

/** The npm packages that put at least one byte into the bundle's JavaScript ('project' excluded), sorted. */
export function packagesIn(metafile: Metafile): string[] {
  const packages = new Set<string>();
  for (const [outputPath, output] of Object.entries(metafile.outputs)) {
    if (outputPath.endsWith('.map')) continue;
    for (const [inputPath, input] of Object.entries(output.inputs)) {
      if (input.bytesInOutput > 0) packages.add(packageOfInput(inputPath));
    }
  }
  packages.delete('project');
  return [...packages].sort();
}
