import { Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { bundleOf, stageFunctions } from '../support/function-bundles';
import { STAGES, type SynthesizedStage, synthStage } from './synth-stage';

/**
 * The stack that sets an environment variable and the function that reads it agree: every variable a function's
 * bundle requires (`requiredEnv(ENV.X)`) is set on that function in the template of every stage, and every variable
 * the template sets is read by the bundle (or is one the runtime or Powertools reads). Without this, a binding
 * forgotten in a stack fails a cold start in AWS; here it fails the first test.
 *
 * The bundles are built the way CDK builds them (same esbuild options, tree-shaken), unminified so the names stay
 * (test/support/function-bundles.ts), so a variable read only by code the function does not ship is not required of it.
 */

/** Set on every function for the Lambda runtime or Powertools, not read through ENV by our code. */
const READ_BY_THE_RUNTIME = new Set([
  'NODE_OPTIONS',
  'STOCKADE_STAGE',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_PARAMETERS_MAX_AGE',
]);

interface EnvReads {
  /** Names the bundle fails its cold start without. */
  readonly required: ReadonlySet<string>;
  /** Every name the bundle mentions (through ENV or process.env). */
  readonly mentioned: ReadonlySet<string>;
}

export function envReadsOf(bundle: string): EnvReads {
  const names = (pattern: RegExp) => new Set([...bundle.matchAll(pattern)].map((m) => m[1] as string));
  return {
    required: names(/\brequiredEnv\d*\(\s*ENV\d*\.([A-Z0-9_]+)\s*\)/g),
    mentioned: new Set([...names(/\bENV\d*\.([A-Z0-9_]+)/g), ...names(/\bprocess\.env\.([A-Z0-9_]+)/g), ...names(/\bprocess\.env\[["']([A-Z0-9_]+)["']\]/g)]),
  };
}

export function environmentProblems(reads: EnvReads, variables: ReadonlySet<string>): string[] {
  const missing = [...reads.required].filter((name) => !variables.has(name)).map((name) => `reads ${name}, which the template does not set`);
  const unused = [...variables]
    .filter((name) => !reads.mentioned.has(name) && !READ_BY_THE_RUNTIME.has(name))
    .map((name) => `is given ${name}, which it never reads`);
  return [...missing, ...unused];
}

/** The env reads of an entry's bundle (test/support/function-bundles.ts builds each entry once per file). */
async function readsOf(entryFile: string): Promise<EnvReads> {
  return envReadsOf((await bundleOf(entryFile)).text);
}

interface DeployedFunction {
  readonly name: string;
  readonly entryFile: string;
  readonly variables: ReadonlySet<string>;
}

function functionsOf(synth: SynthesizedStage): DeployedFunction[] {
  return stageFunctions(synth).map(({ fn, name, entryFile }) => {
    const cfn = fn.node.defaultChild as CfnFunction;
    const environment = Stack.of(fn).resolve(cfn.environment) as { variables?: object } | undefined;
    return { name, entryFile, variables: new Set(Object.keys(environment?.variables ?? {})) };
  });
}

jest.setTimeout(180_000);

describe('the env reads checker (so the checks below can fail)', () => {
  const bundle = `var ENV2 = { ORDERS_TABLE: "ORDERS_TABLE" };
    const orders = requiredEnv(ENV2.ORDERS_TABLE);
    const hold = integerEnv(ENV2.HOLD_SECONDS, 900);
    const local = process.env.AWS_ENDPOINT_URL_DYNAMODB;`;

  it('finds required and mentioned names in a bundle', () => {
    const reads = envReadsOf(bundle);
    expect([...reads.required]).toEqual(['ORDERS_TABLE']);
    expect([...reads.mentioned].sort()).toEqual(['AWS_ENDPOINT_URL_DYNAMODB', 'HOLD_SECONDS', 'ORDERS_TABLE']);
  });

  it('names a required variable the template does not set, and one it sets that nothing reads', () => {
    expect(environmentProblems(envReadsOf(bundle), new Set(['HOLD_SECONDS', 'CATALOG_TABLE', 'NODE_OPTIONS']))).toEqual([
      'reads ORDERS_TABLE, which the template does not set',
      'is given CATALOG_TABLE, which it never reads',
    ]);
  });
});

describe.each(STAGES)('function environment (%s)', (stage) => {
  const functions = () => functionsOf(synthStage(stage));

  it('finds the functions (so the check below can fail)', () => {
    expect(functions().length).toBeGreaterThanOrEqual(40);
  });

  it('every function is given exactly the variables its bundle reads', async () => {
    const problems = (
      await Promise.all(functions().map(async (fn) => environmentProblems(await readsOf(fn.entryFile), fn.variables).map((p) => `${fn.name} ${p}`)))
    ).flat();
    expect(problems).toEqual([]);
  });

  it('reads what a known function needs (the scan sees through the composition roots)', async () => {
    const getOrder = functions().find((fn) => fn.name === 'GetOrder');
    expect(getOrder).toBeDefined();
    const reads = await readsOf(getOrder!.entryFile);
    expect([...reads.required]).toContain('ORDERS_TABLE');
  });
});
