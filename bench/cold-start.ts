/**
 * Cold-start benchmark: what each function's bundle costs to load, against a hello-world bundled the same way.
 *
 *   npm run bench:cold-start [-- --runs 7] [-- --stage dev]
 *
 * Synthesizes the stage (real CDK bundling), measures every AWS::Lambda::Function of the template plus the baseline
 * in fresh Node processes, prints a markdown table and rewrites the "Cold start" section of docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { readRestApis } from '../local/apigw/rest-api-model';
import { CloudAssembly } from '../local/assembly';
import { LOCAL_ACCOUNT } from '../local/intrinsics';
import { synthesizeStage } from '../local/synth';
import { FUNCTION_RUNTIME, PROJECT_ROOT } from '../lib/constructs/stockade-function';
import { writeDocSection } from './lib/benchmarks-doc';
import { sourceRevision } from './lib/source-revision';
import { bundleLikeAFunction, packageShares, type PackageShare } from './lib/bundling';
import { benchResolver, functionDefinition, lambdaRuntimeEnvironment } from './lib/function-environment';
import { median, percentile } from './lib/stats';

const OUT = path.join(__dirname, '.out');
const PROBE = path.join(__dirname, 'lib', 'import-probe.mjs');
const BASELINE_ENTRY = path.join(__dirname, 'fixtures', 'hello.ts');
const DOC = path.join(PROJECT_ROOT, 'docs', 'benchmarks.md');
const SAMPLE_TIMEOUT_MS = 20_000;
/** Routes whose handler is known to answer without any network call, so a first invocation can be timed offline. */
const NETWORK_FREE_ROUTES = new Set(['GET /health']);

interface Target {
  readonly label: string;
  /** API routes served by the function, e.g. 'GET /health'. */
  readonly routes: readonly string[];
  readonly codeDirectory: string;
  readonly bundleFile: string;
  readonly handlerExport: string;
  readonly environment: Record<string, string>;
  /** Event for a timed first invocation, when the function can answer it offline. */
  readonly firstEvent?: APIGatewayProxyEvent;
  readonly notes: string[];
}

interface BundleFacts {
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly mapBytes: number;
  readonly shares: readonly PackageShare[];
  /** Whether rebuilding the entry with the baseline's options reproduced the CDK bundle byte for byte. */
  readonly reproduced?: boolean;
}

interface ProbeResult {
  readonly bootstrapMs?: number;
  readonly importMs?: number;
  readonly invokeMs?: number;
  readonly invokeStatus?: number;
  readonly network: readonly string[];
  readonly error?: string;
}

interface Measured {
  readonly target: Target;
  readonly bundle: BundleFacts;
  readonly importMs: number[];
  readonly invokeMs: number[];
  readonly bootstrapMs: number[];
  readonly network: Set<string>;
  error?: string;
}

function options(): { runs: number; stage: string; command: string } {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, stage: { type: 'string', default: 'dev' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new Error(`--runs must be an integer from 1 to 100, got ${values.runs}`);
  const args = process.argv.slice(2).join(' ');
  return { runs, stage: values.stage, command: `npm run bench:cold-start${args ? ` -- ${args}` : ''}` };
}

/** A minimal API Gateway REST proxy event, as the stage would send it for `method path`. */
function restProxyEvent(method: string, resourcePath: string, stage: string): APIGatewayProxyEvent {
  return {
    resource: resourcePath,
    path: resourcePath,
    httpMethod: method,
    headers: { Accept: 'application/json', Host: 'api.bench.invalid', 'User-Agent': 'stockade-cold-start-bench' },
    multiValueHeaders: { Accept: ['application/json'], Host: ['api.bench.invalid'], 'User-Agent': ['stockade-cold-start-bench'] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: 'bench',
      authorizer: undefined,
      httpMethod: method,
      identity: { sourceIp: '127.0.0.1', userAgent: 'stockade-cold-start-bench' },
      path: `/${stage}${resourcePath}`,
      protocol: 'HTTP/1.1',
      requestId: '00000000-0000-4000-8000-00000000a001',
      requestTimeEpoch: Date.now(),
      resourceId: 'bench',
      resourcePath,
      stage,
    } as APIGatewayProxyEvent['requestContext'],
  };
}

/** API routes per function logical id, e.g. GetHealth2561B211 -> ['GET /health']. */
function routesByFunction(assembly: CloudAssembly, resolver: ReturnType<typeof benchResolver>): Map<string, string[]> {
  const routes = new Map<string, string[]>();
  for (const api of readRestApis(assembly, resolver)) {
    for (const route of api.routes) {
      if (route.integration.kind !== 'lambda-proxy') continue;
      const id = route.integration.functionLogicalId;
      routes.set(id, [...(routes.get(id) ?? []), `${route.httpMethod} ${route.resourcePath}`]);
    }
  }
  return routes;
}

/** Every function of the synthesized stage whose code is a file asset, as Lambda would start it. */
function functionTargets(assembly: CloudAssembly, stage: string): { targets: Target[]; skipped: string[] } {
  const resolver = benchResolver(assembly);
  const routes = routesByFunction(assembly, resolver);
  const targets: Target[] = [];
  const skipped: string[] = [];
  for (const resource of assembly.resourcesOfType('AWS::Lambda::Function')) {
    const label = `${resource.stackName.replace(`Stockade-${stage}-`, '')}/${resource.logicalId.replace(/[0-9A-F]{8}$/, '')}`;
    const codeDirectory = resource.metadata['aws:asset:path'] ? assembly.assetPath(resource) : undefined;
    const definition = functionDefinition(resource, codeDirectory ?? '', resolver);
    const [file = 'index', handlerExport = 'handler'] = definition.handler.split(/\.(?=[^.]+$)/);
    // The Lambda Node.js runtime looks for the handler module with these extensions.
    const bundleFile = codeDirectory && ['.mjs', '.js', '.cjs'].map((ext) => path.join(codeDirectory, file + ext)).find((f) => existsSync(f));
    if (!codeDirectory || !bundleFile) {
      skipped.push(label);
      continue;
    }
    const served = routes.get(resource.logicalId) ?? [];
    const [method, resourcePath] = served.find((r) => NETWORK_FREE_ROUTES.has(r))?.split(' ') ?? [];
    targets.push({
      label,
      routes: served,
      codeDirectory,
      bundleFile,
      handlerExport,
      environment: definition.environment,
      ...(method && resourcePath ? { firstEvent: restProxyEvent(method, resourcePath, stage) } : {}),
      notes: definition.unresolved.length > 0 ? [`unresolved environment (placeholder values): ${definition.unresolved.join(', ')}`] : [],
    });
  }
  return { targets: targets.sort((a, b) => a.label.localeCompare(b.label)), skipped };
}

/** The hello-world baseline, bundled with the options every function is bundled with. */
async function baselineTarget(functions: readonly Target[], stage: string): Promise<{ target: Target; shares: PackageShare[] }> {
  const codeDirectory = path.join(OUT, 'baseline');
  const { file, metafile } = await bundleLikeAFunction(BASELINE_ENTRY, codeDirectory);
  // NODE_OPTIONS changes how Node loads code (the template sets --enable-source-maps), so the baseline gets the
  // functions' value; everything else it needs is the Lambda runtime's own environment.
  const nodeOptions = new Set(functions.map((t) => t.environment.NODE_OPTIONS ?? ''));
  const [shared] = nodeOptions.size === 1 ? [...nodeOptions] : [];
  const target: Target = {
    label: 'baseline: hello world',
    routes: [],
    codeDirectory,
    bundleFile: file,
    handlerExport: 'handler',
    environment: {
      ...lambdaRuntimeEnvironment({ functionName: 'Stockade-bench-HelloWorld', memoryMb: 512, handler: 'index.handler', codeDirectory }),
      ...(shared ? { NODE_OPTIONS: shared } : {}),
    },
    firstEvent: restProxyEvent('GET', '/health', stage),
    notes: nodeOptions.size > 1 ? ['functions differ in NODE_OPTIONS: the baseline runs without it'] : [],
  };
  return { target, shares: packageShares(metafile) };
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
  const functionsDir = path.join(PROJECT_ROOT, 'functions') + path.sep;
  let entries: string[] = [];
  try {
    const map = JSON.parse(readFileSync(`${target.bundleFile}.map`, 'utf8')) as { sources?: string[] };
    entries = (map.sources ?? []).map((s) => path.resolve(target.codeDirectory, s)).filter((s) => s.startsWith(functionsDir));
  } catch {
    // No readable source map: sizes only.
  }
  const [entry] = entries;
  if (entries.length !== 1 || !entry) {
    target.notes.push('bundle contents unknown (no single functions/ entry in its source map)');
    return { shares: [] };
  }
  const rebuilt = await bundleLikeAFunction(entry, scratch);
  const reproduced = readFileSync(rebuilt.file).equals(readFileSync(target.bundleFile));
  if (!reproduced) target.notes.push(`rebuilding ${path.relative(PROJECT_ROOT, entry)} with the baseline's options did not reproduce the CDK bundle: bench/lib/bundling.ts has drifted from FUNCTION_BUNDLING`);
  return { shares: packageShares(rebuilt.metafile), reproduced };
}

/** One cold start of `target` in a fresh Node process, killed (by its PID) past SAMPLE_TIMEOUT_MS. */
function sample(target: Target): Promise<ProbeResult> {
  const args = [PROBE, target.bundleFile, target.handlerExport, ...(target.firstEvent ? [JSON.stringify(target.firstEvent)] : [])];
  const child = spawn(process.execPath, args, { cwd: target.codeDirectory, env: target.environment, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  let report = '';
  let stderr = '';
  child.stdout?.resume(); // the function's own logs
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  (child.stdio[3] as Readable).on('data', (chunk: Buffer) => (report += chunk.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, SAMPLE_TIMEOUT_MS);
  return new Promise((resolve) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ network: [], error: `could not start node: ${error.message}` });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return resolve({ network: [], error: `no result within ${SAMPLE_TIMEOUT_MS / 1000} s (killed)` });
      try {
        resolve(JSON.parse(report) as ProbeResult);
      } catch {
        resolve({ network: [], error: `probe exited (${signal ?? code}) without a result: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
      }
    });
  });
}

/** `runs` samples of every target after one discarded warm-up round, interleaved and rotated round by round. */
async function measure(all: Measured[], runs: number): Promise<void> {
  for (let round = 0; round <= runs; round++) {
    process.stderr.write(round === 0 ? 'rounds: warm-up' : ` ${round}`);
    const active = all.filter((m) => !m.error);
    const order = active.map((_, i) => active[(i + round) % active.length]).filter((m): m is Measured => m !== undefined);
    for (const m of order) {
      const result = await sample(m.target);
      result.network.forEach((n) => m.network.add(n));
      if (result.error !== undefined || result.importMs === undefined) {
        m.error = result.error ?? 'no import time reported';
        continue;
      }
      if (round === 0) continue;
      m.importMs.push(result.importMs);
      if (result.bootstrapMs !== undefined) m.bootstrapMs.push(result.bootstrapMs);
      if (result.invokeMs !== undefined) m.invokeMs.push(result.invokeMs);
      if (result.invokeStatus !== undefined && result.invokeStatus !== 200) m.target.notes.push(`first invocation answered ${result.invokeStatus}`);
    }
  }
  process.stderr.write('\n');
}

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');
const bytes = (n: number) => n.toLocaleString('en-US');
const size = (n: number) => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);

function table(rows: readonly Measured[], baseline: Measured): string {
  const base = median(baseline.importMs);
  const lines = [
    '| Function | Routes | index.mjs (bytes) | gzip (bytes) | import median (ms) | import p90 (ms) | Δ median vs baseline (ms) | first invoke median (ms) |',
    '|---|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const m of rows) {
    const med = median(m.importMs);
    const delta = m === baseline ? '—' : m.error ? 'failed' : `${med >= base ? '+' : ''}${ms(med - base)}`;
    const invoke = m.invokeMs.length > 0 ? ms(median(m.invokeMs)) : '—';
    lines.push(`| ${m.target.label} | ${m.target.routes.join(', ') || '—'} | ${bytes(m.bundle.bytes)} | ${bytes(m.bundle.gzipBytes)} | ${ms(med)} | ${ms(percentile(m.importMs, 90))} | ${delta} | ${invoke} |`);
  }
  return lines.join('\n');
}

function contents(rows: readonly Measured[]): string {
  return rows
    .map((m) => {
      const top = m.bundle.shares
        .slice(0, 5)
        .map((s) => `${s.name} ${size(s.bytes)} (${Math.round((100 * s.bytes) / m.bundle.bytes)}%)`)
        .join(', ');
      const check = m.bundle.reproduced === undefined ? '' : m.bundle.reproduced ? '; rebuilt from its entry byte for byte' : '; REBUILD DIFFERS';
      return `- ${m.target.label}: ${top || 'unknown'}; source map ${bytes(m.bundle.mapBytes)} bytes${check}`;
    })
    .join('\n');
}

function findings(rows: readonly Measured[], baseline: Measured): string {
  const lines: string[] = [];
  for (const m of rows) {
    if (m.error) lines.push(`- ${m.target.label}: FAILED: ${m.error}`);
    if (m.network.size > 0) lines.push(`- ${m.target.label}: reached for the network at cold start (blocked): ${[...m.network].join(', ')}`);
    for (const note of new Set(m.target.notes)) lines.push(`- ${m.target.label}: ${note}`);
  }
  if (!rows.some((m) => m.network.size > 0)) lines.push('- No function reached for the network while loading (connections and DNS lookups are blocked and recorded).');
  lines.push(`- Node bootstrap before the import (not in the figures): median ${ms(median(baseline.bootstrapMs))} ms.`);
  return lines.join('\n');
}


async function main(): Promise<void> {
  const { runs, stage, command } = options();
  const started = Date.now();
  const cdkOut = path.join(OUT, 'cdk.out');
  for (const scratch of ['cdk.out', 'baseline', 'rebuilt']) rmSync(path.join(OUT, scratch), { recursive: true, force: true });
  process.stderr.write(`Synthesizing stage ${stage} into ${path.relative(PROJECT_ROOT, cdkOut)} (bundles every function)...\n`);
  await synthesizeStage({ stage, outdir: cdkOut });
  const assembly = CloudAssembly.load(cdkOut, stage);

  const { targets: functions, skipped } = functionTargets(assembly, stage);
  const baseline = await baselineTarget(functions, stage);
  const newMeasured = (target: Target, bundle: BundleFacts): Measured => ({ target, bundle, importMs: [], invokeMs: [], bootstrapMs: [], network: new Set() });
  const base = newMeasured(baseline.target, { ...bundleSizes(baseline.target), shares: baseline.shares });
  const measured = [base];
  for (const [index, target] of functions.entries()) {
    measured.push(newMeasured(target, { ...bundleSizes(target), ...(await bundleContents(target, path.join(OUT, 'rebuilt', String(index)))) }));
  }
  process.stderr.write(`Measuring ${measured.length} bundles (${functions.length} functions + baseline), ${runs} runs each...\n`);
  await measure(measured, runs);

  const cpu = os.cpus();
  const report = [
    table(measured, base),
    '',
    'Largest packages in each bundle (esbuild metafile):',
    '',
    contents(measured),
    '',
    'Notes from this run:',
    '',
    findings(measured, base),
    ...(skipped.length > 0 ? [`- Not measured (inline code, no bundle file): ${skipped.join(', ')}`] : []),
  ].join('\n');
  console.log(`\n${report}\n`);

  const section = `## Cold start

Measured ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} with \`${command}\`: stage ${stage}, source ${sourceRevision(['bin', 'lib', 'functions', 'shared', 'package.json', 'package-lock.json'])}, ${runs} samples per bundle after one discarded warm-up, interleaved.
Machine: Node ${process.version} on ${os.platform()} ${os.arch()}, ${cpu[0]?.model.trim() ?? 'unknown CPU'} (${cpu.length} cores), ${Math.round(os.totalmem() / 2 ** 30)} GiB.

${report}

How to read it:

- *Import* is the time a fresh Node process takes to \`import()\` the bundle as the Lambda runtime does: parse and compile index.mjs, load its source map (the template sets \`NODE_OPTIONS=--enable-source-maps\`; the baseline gets the same), and run module-scope code: Powertools logger/metrics/tracer, SDK clients, verifiers, configuration reads. Node's own bootstrap is excluded.
- Not included: Lambda's sandbox and runtime start, fetching and unpacking the package, any network (blocked here), X-Ray (tracing is off here; deployed functions trace actively, and the tracer patches http/https when enabled).
- Lambda runs ${FUNCTION_RUNTIME.name} on arm64 with a CPU share proportional to memory (512 MB is well under one vCPU), so absolute times there are higher than here. Watch the *Δ vs baseline*: what our code and dependencies add on top of an empty handler bundled with the same esbuild options.
- *First invoke* times one handler call with a minimal API Gateway REST proxy event, only for routes known to answer offline (${[...NETWORK_FREE_ROUTES].join(', ')}); the baseline gets the same event. p90 is nearest-rank: below 10 runs it is the slowest sample. Other load on the machine moves every figure: run twice before trusting a change smaller than the gap between median and p90.
- Sizes are of index.mjs as deployed; gzip approximates its share of the deployment zip, which also carries index.mjs.map.
`;
  writeDocSection(DOC, 'cold-start', section);
  process.stderr.write(`Wrote the cold-start section of ${path.relative(PROJECT_ROOT, DOC)} in ${((Date.now() - started) / 1000).toFixed(0)} s.\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
