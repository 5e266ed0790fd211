import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { readRestApis } from '../../local/aws/apigw/rest-api-model';
import type { CloudAssembly, TemplateResource } from '../../local/runtime/assembly';
import type { IntrinsicResolver } from '../../local/runtime/intrinsics';
import { bundleLikeAFunction, packageShares, type PackageShare } from '../lib/bundling';
import { benchResolver, functionDefinition, lambdaRuntimeEnvironment } from '../lib/function-environment';
import { BENCH_OUT } from '../lib/paths';
import { restProxyEvent } from './rest-proxy-event';

const BASELINE_ENTRY = path.join(__dirname, '..', 'fixtures', 'hello.ts');
const FRAMEWORK_ENTRY = path.join(__dirname, '..', 'fixtures', 'framework.ts');
/** Routes whose handler is known to answer without any network call, so a first invocation can be timed offline. */
export const NETWORK_FREE_ROUTES = new Set(['GET /health']);

export interface Target {
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

/** What reading a function of the template needs. */
interface Scope {
  readonly assembly: CloudAssembly;
  readonly resolver: IntrinsicResolver;
  readonly stage: string;
}

/** Every function of the synthesized stage whose code is a file asset, as Lambda would start it. */
export function functionTargets(assembly: CloudAssembly, stage: string): { targets: Target[]; skipped: string[] } {
  const scope: Scope = { assembly, resolver: benchResolver(assembly), stage };
  const routes = routesByFunction(assembly, scope.resolver);
  const targets: Target[] = [];
  const skipped: string[] = [];
  for (const resource of assembly.resourcesOfType('AWS::Lambda::Function')) {
    const target = targetOf(resource, routes.get(resource.logicalId) ?? [], scope);
    if (target) targets.push(target);
    else skipped.push(labelOf(resource, stage));
  }
  return { targets: targets.sort((a, b) => a.label.localeCompare(b.label)), skipped };
}

/** API routes per function logical id, e.g. GetHealth2561B211 -> ['GET /health']. */
function routesByFunction(assembly: CloudAssembly, resolver: IntrinsicResolver): Map<string, string[]> {
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

/** A function's label: its stack without the stage prefix, and its logical id without the hash, e.g. Api/GetHealth. */
function labelOf(resource: TemplateResource, stage: string): string {
  return `${resource.stackName.replace(`Stockade-${stage}-`, '')}/${resource.logicalId.replace(/[0-9A-F]{8}$/, '')}`;
}

/** The function as a target, or undefined when its code is not a bundle file (inline code). */
function targetOf(resource: TemplateResource, served: string[], { assembly, resolver, stage }: Scope): Target | undefined {
  const codeDirectory = resource.metadata['aws:asset:path'] ? assembly.assetPath(resource) : undefined;
  const definition = functionDefinition(resource, codeDirectory ?? '', resolver);
  const [file = 'index', handlerExport = 'handler'] = definition.handler.split(/\.(?=[^.]+$)/);
  // The Lambda Node.js runtime looks for the handler module with these extensions.
  const bundleFile = codeDirectory && ['.mjs', '.js', '.cjs'].map((ext) => path.join(codeDirectory, file + ext)).find((f) => existsSync(f));
  if (!codeDirectory || !bundleFile) return undefined;
  const [method, resourcePath] = served.find((r) => NETWORK_FREE_ROUTES.has(r))?.split(' ') ?? [];
  return {
    label: labelOf(resource, stage),
    routes: served,
    codeDirectory,
    bundleFile,
    handlerExport,
    environment: definition.environment,
    ...(method && resourcePath ? { firstEvent: restProxyEvent(method, resourcePath, stage) } : {}),
    notes: definition.unresolved.length > 0 ? [`unresolved environment (placeholder values): ${definition.unresolved.join(', ')}`] : [],
  };
}

/** The hello-world baseline, bundled with the options every function is bundled with. */
export async function baselineTarget(functions: readonly Target[], stage: string): Promise<{ target: Target; shares: PackageShare[] }> {
  const codeDirectory = path.join(BENCH_OUT, 'baseline');
  const { file, metafile } = await bundleLikeAFunction(BASELINE_ENTRY, codeDirectory);
  // NODE_OPTIONS changes how Node loads code (e.g. --enable-source-maps parses source maps at load), so the baseline gets the
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

/**
 * The framework reference (bench/fixtures/framework.ts): middy's core and the Powertools logger and metrics, constructed,
 * in the baseline's environment plus the POWERTOOLS_* settings the functions get. Sampled like the baseline; its Δ is
 * what every handler pays before any code of ours runs.
 */
export async function frameworkTarget(baseline: Target, functions: readonly Target[]): Promise<{ target: Target; shares: PackageShare[] }> {
  const codeDirectory = path.join(BENCH_OUT, 'framework');
  const { file, metafile } = await bundleLikeAFunction(FRAMEWORK_ENTRY, codeDirectory);
  const powertools = Object.fromEntries(Object.entries(functions[0]?.environment ?? {}).filter(([key]) => key.startsWith('POWERTOOLS_')));
  const target: Target = {
    label: 'reference: middy + Powertools logger + metrics',
    routes: [],
    codeDirectory,
    bundleFile: file,
    handlerExport: 'handler',
    environment: { ...baseline.environment, ...powertools },
    notes: [],
  };
  return { target, shares: packageShares(metafile) };
}
