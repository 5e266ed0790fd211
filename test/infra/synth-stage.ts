import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import cdkJson from '../../cdk.json';
import { addStockadeStage, type StockadeStacks, type StockadeStage } from '../../lib/app';
import { STAGES, type Stage, type StageConfig } from '../../lib/config/stage-config';
import { resolveStageConfig } from '../../lib/config/stages';
import { PROJECT_ROOT } from '../../lib/constructs/stockade-function';
import { synthesisInputsHash } from '../../local/runtime/synth';

export { STAGES, type Stage };

export type StackKey = keyof StockadeStacks;
export const STACK_KEYS: readonly StackKey[] = ['secrets', 'data', 'messaging', 'auth', 'workflow', 'apiFunctions', 'api', 'observability'];

/** One resource of a synthesized template, as CloudFormation sees it. */
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

interface CfnTemplateJson {
  readonly Resources?: Record<string, CfnResourceJson>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>;
}

/** A validation finding (cdk-nag pack or CDK's own validation) that no `Validations.acknowledge` covers. */
export interface ValidationFinding {
  readonly plugin: string;
  readonly rule: string;
  readonly severity: string;
  readonly constructPath: string;
  readonly description: string;
}

export interface SynthesizedStage {
  readonly config: StageConfig;
  /** The cloud assembly: manifest.json, every stack's template and validation-report.json. */
  readonly outdir: string;
  /** Every stack's template by key, each read when first used. */
  readonly templates: Readonly<Record<StackKey, Template>>;
  /** The template of any stack of the stage, cdn included (undefined: the stage has no such stack). */
  templateOf(key: keyof StockadeStage): Template | undefined;
  /** Every stack of the stage by key, with its stack name. */
  readonly stackNames: Readonly<Partial<Record<keyof StockadeStage, string>>>;
  /** Unacknowledged findings of every validation plugin, errors and warnings alike, from validation-report.json. */
  readonly findings: readonly ValidationFinding[];
  /**
   * The constructs. A stage read from the synthesis cache has none until a test asks: the stage is then built once
   * more in that test file, so a check that needs the construct tree costs a synthesis and the others do not.
   */
  readonly app: App;
  readonly stacks: StockadeStage;
}

export interface BuildStageOptions {
  /** Adds constructs to the stage before it is synthesized, e.g. to prove a check catches a bad resource. */
  readonly extend?: (stacks: StockadeStacks) => void;
  /** Context values added to (or replacing) the test defaults, e.g. `{ allowPlaceholders: false }`. */
  readonly context?: Record<string, unknown>;
  /** Stage settings replaced before the stage is built (resolveStageConfig's overrides). */
  readonly overrides?: Parameters<typeof resolveStageConfig>[0]['overrides'];
}

/** The context of every test synthesis: cdk.json's, without bundling, collecting validation findings instead of throwing. */
const TEST_CONTEXT: Record<string, unknown> = {
  ...cdkJson.context,
  'aws:cdk:bundling-stacks': [],
  '@aws-cdk/core:failSynthOnValidationErrors': false,
  // The shipped staging and prod configs hold placeholders (no alarm destinations, example.com URLs).
  allowPlaceholders: true,
};

/**
 * Builds and synthesizes one stage exactly as bin/stockade.ts does (same stacks, same cdk-nag packs, cdk.json
 * context), with two test-only differences: esbuild bundling is skipped (`aws:cdk:bundling-stacks: []`), and a
 * validation failure does not throw, so the findings can be read from the report and asserted on with a useful
 * message instead of failing every template assertion of the stage.
 */
export function buildStage(stage: Stage, options: BuildStageOptions = {}): SynthesizedStage {
  const app = new App({ context: { ...TEST_CONTEXT, ...options.context } });
  const config = resolveStageConfig({ stage, ...(options.overrides ? { overrides: options.overrides } : {}) });
  const stacks = addStockadeStage(app, config);
  options.extend?.(stacks);
  const assembly = app.synth();
  const stackNames = Object.fromEntries(STAGE_STACK_KEYS.flatMap((key) => (stacks[key] ? [[key, stacks[key].stackName]] : [])));
  const templateOf = memoized((key: keyof StockadeStage) => {
    const stack = stacks[key];
    return stack ? Template.fromStack(stack) : undefined;
  });
  // Read now, as before the cache: a stage that cannot be turned into templates fails here, in the test that built it.
  for (const key of STACK_KEYS) templateOf(key);
  return {
    config,
    outdir: assembly.directory,
    templates: templatesOf(templateOf),
    templateOf,
    stackNames,
    findings: stageFindings(assembly.directory),
    app,
    stacks,
  };
}

/** The stacks of every stage, and every key a stage's stacks can have (cdn included). */
const EVERY_STAGE_KEYS: readonly StackKey[] = [...STACK_KEYS, 'inventory', 'deployAccess'];
const STAGE_STACK_KEYS: ReadonlyArray<keyof StockadeStage> = [...EVERY_STAGE_KEYS, 'cdn'];

/** Every stack's template of the stage (cdn included where the stage has one), by stack name. */
export function templatesByStackName(synth: SynthesizedStage): Map<string, Template> {
  return new Map(Object.entries(synth.stackNames).map(([key, name]) => [name as string, synth.templateOf(key as keyof StockadeStage) as Template]));
}

function memoized<K, V>(compute: (key: K) => V): (key: K) => V {
  const found = new Map<K, V>();
  return (key) => {
    if (!found.has(key)) found.set(key, compute(key));
    return found.get(key) as V;
  };
}

/** Every stack's template by key (StackKey: every stack of every stage), each read when first used. */
function templatesOf(templateOf: (key: keyof StockadeStage) => Template | undefined): Record<StackKey, Template> {
  const templates = {} as Record<StackKey, Template>;
  for (const key of EVERY_STAGE_KEYS) Object.defineProperty(templates, key, { enumerable: true, get: () => templateOf(key) });
  return templates;
}

/** The findings of an assembly; the placeholder warning of a stage synthesized with allowPlaceholders is expected (alarms.test.ts asserts it). */
function stageFindings(assemblyDir: string): ValidationFinding[] {
  return readFindings(assemblyDir).filter((f) => f.rule !== 'Annotation::stockade:placeholders');
}

const cache = new Map<Stage, SynthesizedStage>();

/**
 * `buildStage` without extensions, synthesized once per stage for the whole test run. Jest gives each test file its
 * own modules, and a stage takes 3-30 s to synthesize (more when the suite shares two cores), so the assembly is kept
 * on disk, under the hash of everything the synthesis reads (local/runtime/synth.ts) and of this file: the first file
 * to ask for a stage synthesizes it, the others read its templates. A check that needs the constructs still gets them
 * (see SynthesizedStage.app).
 */
export function synthStage(stage: Stage): SynthesizedStage {
  let synthesized = cache.get(stage);
  if (!synthesized) {
    synthesized = cachedStage(stage);
    cache.set(stage, synthesized);
  }
  return synthesized;
}

const SYNTH_CACHE = path.join(PROJECT_ROOT, '.stockade', 'infra-synth');
/** Written last into a cached assembly: the stack names, by key. */
const STACKS_FILE = 'stockade-stacks.json';

function cachedStage(stage: Stage): SynthesizedStage {
  const inputs = synthesisInputsHash({ ...TEST_CONTEXT, stage, helper: fs.readFileSync(__filename, 'utf8') });
  const dir = path.join(SYNTH_CACHE, `${inputs.slice(0, 24)}-${stage}`);
  let built: SynthesizedStage | undefined;
  const live = () => (built ??= buildStage(stage));
  if (!fs.existsSync(path.join(dir, STACKS_FILE))) store(live(), dir);
  const stackNames = JSON.parse(fs.readFileSync(path.join(dir, STACKS_FILE), 'utf8')) as Partial<Record<keyof StockadeStage, string>>;
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  const templateOf = memoized((key: keyof StockadeStage): Template | undefined => {
    const name = stackNames[key];
    if (!name) return undefined;
    const artifact = Object.entries(manifest.artifacts).find(([id, a]) => a.type === 'aws:cloudformation:stack' && (a.properties?.stackName ?? id) === name);
    const file = artifact?.[1].properties?.templateFile;
    if (!file) throw new Error(`${dir}/manifest.json names no template for ${name}`);
    return Template.fromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>);
  });
  return {
    config: resolveStageConfig({ stage }),
    outdir: dir,
    templates: templatesOf(templateOf),
    templateOf,
    stackNames,
    findings: stageFindings(dir),
    get app() {
      return live().app;
    },
    get stacks() {
      return live().stacks;
    },
  };
}

/**
 * Keeps a synthesized stage's assembly (its top-level files; no asset is bundled) in `dir`, written aside and renamed
 * into place, so a test file running beside this one reads a whole assembly or none. Assemblies of other inputs
 * older than a day are removed.
 */
function store(synthesized: SynthesizedStage, dir: string): void {
  fs.mkdirSync(SYNTH_CACHE, { recursive: true });
  const staging = fs.mkdtempSync(path.join(SYNTH_CACHE, 'writing-'));
  for (const entry of fs.readdirSync(synthesized.outdir, { withFileTypes: true })) {
    if (entry.isFile()) fs.copyFileSync(path.join(synthesized.outdir, entry.name), path.join(staging, entry.name));
  }
  fs.writeFileSync(path.join(staging, STACKS_FILE), JSON.stringify(synthesized.stackNames));
  try {
    fs.renameSync(staging, dir);
  } catch {
    // Another test file stored the same assembly first.
    fs.rmSync(staging, { recursive: true, force: true });
  }
  const dayAgo = Date.now() - 86_400_000;
  for (const name of fs.readdirSync(SYNTH_CACHE)) {
    const other = path.join(SYNTH_CACHE, name);
    // Another test file may rename or remove an entry meanwhile: it is then not this file's to clean.
    const modified = fs.statSync(other, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
    if (other !== dir && modified < dayAgo) fs.rmSync(other, { recursive: true, force: true });
  }
}

interface ValidationReportJson {
  readonly pluginReports: readonly {
    readonly pluginName: string;
    readonly violations: readonly {
      readonly ruleName: string;
      readonly severity?: string;
      readonly description: string;
      readonly violatingConstructs: readonly { readonly constructPath: string }[];
    }[];
  }[];
}

/**
 * Reads the unacknowledged findings CDK wrote after running the validation plugins. CDK applies the
 * acknowledgements (`<Pack>::<RuleId>` on the construct or an ancestor) before writing: acknowledged findings move
 * to `suppressedViolations`, so everything left in `violations` counts, whatever its severity.
 */
function readFindings(assemblyDir: string): ValidationFinding[] {
  const reportPath = path.join(assemblyDir, 'validation-report.json');
  // CDK writes the report whenever at least one validation plugin is registered; no file means no cdk-nag ran.
  if (!fs.existsSync(reportPath)) throw new Error(`${reportPath} is missing: are the cdk-nag packs still registered in addStockadeStage?`);
  const report = JSON.parse(fs.readFileSync(reportPath, 'utf8')) as ValidationReportJson;
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map((construct) => ({
        plugin: plugin.pluginName,
        rule: violation.ruleName,
        severity: violation.severity ?? 'unknown',
        constructPath: construct.constructPath,
        description: violation.description,
      })),
    ),
  );
}

/** One line per finding, for failure messages. */
export function formatFinding(f: ValidationFinding): string {
  return `${f.severity} ${f.rule} at ${f.constructPath}: ${f.description}`;
}

/** The resources of one type in a template, keyed by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, CfnResourceJson> {
  return template.findResources(type) as Record<string, CfnResourceJson>;
}

/** A resource in one of the stage's templates. */
export interface ResourceRef {
  readonly stack: StackKey;
  readonly logicalId: string;
  readonly resource: CfnResourceJson;
  /** 'Ref' or the attribute named by Fn::GetAtt. */
  readonly attribute: string;
}

/**
 * Follows a reference to the resource it names: `Ref`, `Fn::GetAtt`, and the cross-stack forms CDK emits
 * (`Fn::GetStackOutput` for weak references, `Fn::ImportValue` for exports) through the producing stack's outputs.
 * Returns undefined for anything else, literals included.
 */
export function resolveReference(synth: SynthesizedStage, from: StackKey, value: unknown): ResourceRef | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const json = (key: StackKey) => synth.templates[key].toJSON() as CfnTemplateJson;
  const found = (stack: StackKey, logicalId: string, attribute: string): ResourceRef | undefined => {
    const resource = json(stack).Resources?.[logicalId];
    return resource ? { stack, logicalId, resource, attribute } : undefined;
  };
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return found(from, v.Ref, 'Ref');
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && typeof getAtt[1] === 'string') return found(from, getAtt[0], getAtt[1]);

  const stackOutput = v['Fn::GetStackOutput'] as { StackName?: unknown; OutputName?: unknown } | undefined;
  if (stackOutput && typeof stackOutput.OutputName === 'string') {
    const producer = STACK_KEYS.find((key) => synth.stackNames[key] === stackOutput.StackName);
    const output = producer ? json(producer).Outputs?.[stackOutput.OutputName] : undefined;
    return producer && output ? resolveReference(synth, producer, output.Value) : undefined;
  }
  const importName = v['Fn::ImportValue'];
  if (typeof importName === 'string') {
    for (const producer of STACK_KEYS) {
      const output = Object.values(json(producer).Outputs ?? {}).find((o) => o.Export?.Name === importName);
      if (output) return resolveReference(synth, producer, output.Value);
    }
  }
  return undefined;
}

/** The stage's customer-managed key: the one AWS::KMS::Key of the Secrets stack. */
export function stageKeyLogicalId(synth: SynthesizedStage): string {
  const keys = Object.keys(resourcesOfType(synth.templates.secrets, 'AWS::KMS::Key'));
  if (keys.length !== 1 || !keys[0]) throw new Error(`expected exactly one KMS key in the Secrets stack, found ${keys.length}`);
  return keys[0];
}

/** True when `value` is the ARN of the stage key (directly or through a cross-stack reference). */
export function isStageKeyArn(synth: SynthesizedStage, from: StackKey, value: unknown): boolean {
  const target = resolveReference(synth, from, value);
  return target?.stack === 'secrets' && target.logicalId === stageKeyLogicalId(synth) && target.attribute === 'Arn';
}

/** A Lambda function a value invokes, and the alias it invokes it through when it names one. */
export interface InvokedFunction {
  readonly fn: ResourceRef;
  readonly alias?: ResourceRef;
}

/**
 * The Lambda function an integration or authorizer URI, or a permission's FunctionName, invokes: the first reference
 * inside the value to a function (`Fn::GetAtt [fn, Arn]`) or an alias (`Ref`), followed across stacks (the Api stack
 * invokes the ApiFunctions stack's aliases), with the alias when it names one.
 */
export function invokedFunction(synth: SynthesizedStage, from: StackKey, value: unknown): InvokedFunction | undefined {
  const target = resolveReference(synth, from, value);
  if (target?.resource.Type === 'AWS::Lambda::Function') return { fn: target };
  if (target?.resource.Type === 'AWS::Lambda::Alias') {
    const fn = resolveReference(synth, target.stack, target.resource.Properties?.FunctionName);
    return fn?.resource.Type === 'AWS::Lambda::Function' ? { fn, alias: target } : undefined;
  }
  if (target || typeof value !== 'object' || value === null) return undefined;
  for (const item of Object.values(value)) {
    const found = invokedFunction(synth, from, item);
    if (found) return found;
  }
  return undefined;
}
