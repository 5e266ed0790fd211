import validateAsl from 'asl-validator';
import type { TemplateResource } from '../../runtime/assembly';
import type { IntrinsicResolver } from '../../runtime/intrinsics';

/** An Amazon States Language document (or one of its nested Parallel branches / Map item processors). */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
  QueryLanguage?: string;
  [field: string]: unknown;
}

export type AslState = Record<string, unknown> & { Type: string };

/** How a Task state's Resource is played locally. */
export type TaskIntegration =
  /** `arn:aws:states:::lambda:invoke`: Parameters.FunctionName + Payload; the result is `{ Payload, StatusCode, … }`. */
  | 'lambda-invoke'
  /** `arn:aws:states:::lambda:invoke.waitForTaskToken`: invoke, then wait for SendTaskSuccess/Failure with the token. */
  | 'lambda-invoke-wait-for-task-token'
  /** A plain Lambda function ARN as Resource: the effective input is the event, the handler's value the result. */
  | 'lambda-function';

export interface TaskSpec {
  readonly stateName: string;
  readonly integration: TaskIntegration;
  /** The Resource as written in the definition. */
  readonly resource: string;
  /** The state's Parameters. For token tasks the interpreter never sees them: they are resolved with the token. */
  readonly parameters?: unknown;
  readonly timeoutSeconds?: number;
  readonly timeoutSecondsPath?: string;
  readonly heartbeatSeconds?: number;
  readonly heartbeatSecondsPath?: string;
}

/** A state machine definition checked and made ready for the interpreter. */
export interface PreparedDefinition {
  /** The ASL as deployed (what DescribeStateMachine returns). */
  readonly asl: AslDefinition;
  /** What the interpreter runs: see prepareForInterpreter. */
  readonly interpreted: AslDefinition;
  /** Every Task state, nested ones included (state names are unique across the whole machine). */
  readonly tasks: ReadonlyMap<string, TaskSpec>;
}

/**
 * The longest timer Node can set (2^31-1 ms, ~24.8 days); longer ones fire after 1 ms. The interpreter's default
 * for a Task without TimeoutSeconds is 60 s where AWS waits 99999999 s, so an absent or longer timeout becomes this.
 */
export const LONGEST_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

const LAMBDA_INVOKE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;
const LAMBDA_INVOKE_WAIT = /^arn:aws[a-z-]*:states:::lambda:invoke\.waitForTaskToken$/;

/** Map fields of the distributed Map that the interpreter ignores; a definition using them would run differently. */
const UNPLAYED_MAP_FIELDS = [
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
];

/**
 * Reads a state machine's definition from its template properties: DefinitionString (what the CDK writes, an
 * Fn::Join of strings and references) or Definition, with DefinitionSubstitutions applied, resolved to plain ASL.
 */
export function readDefinition(resource: TemplateResource, resolver: IntrinsicResolver, name: string): AslDefinition {
  const p = resource.properties;
  let text: string;
  if (p.DefinitionString !== undefined) {
    text = resolver.resolveString(p.DefinitionString, resource.stackName);
  } else if (p.Definition !== undefined) {
    text = JSON.stringify(resolver.resolve(p.Definition, resource.stackName));
  } else {
    throw new Error(
      `State machine ${name} (${resource.stackName}/${resource.logicalId}) has no DefinitionString or Definition; DefinitionS3Location is not played locally`,
    );
  }
  const substitutions =
    p.DefinitionSubstitutions === undefined ? {} : (resolver.resolve(p.DefinitionSubstitutions, resource.stackName) as Record<string, unknown>);
  for (const [key, value] of Object.entries(substitutions)) text = text.split(`\${${key}}`).join(String(value));
  try {
    return JSON.parse(text) as AslDefinition;
  } catch (error) {
    throw new Error(`State machine ${name}: its definition is not JSON after resolving references: ${(error as Error).message}`);
  }
}

/**
 * Refuses what the local interpreter would run differently from AWS rather than failing later, or silently:
 * an invalid definition (asl-validator 4), JSONata (the interpreter ignores QueryLanguage and would evaluate
 * JSONata fields as nothing), variables (Assign), distributed Map features, and Task resources it cannot play.
 */
export function checkDefinition(asl: AslDefinition, name: string): void {
  const problems: string[] = [];
  forEachState(asl, (stateName, state, queryLanguage) => {
    if (queryLanguage === 'JSONata') problems.push(`state ${stateName} uses JSONata (QueryLanguage JSONata): write it with JSONPath`);
    const assigns = [state, ...asArray(state.Choices), ...asArray(state.Catch)].some((o) => isObject(o) && 'Assign' in o);
    if (assigns) problems.push(`state ${stateName} assigns variables (Assign), which the local interpreter ignores`);
    if (state.Type === 'Map') {
      for (const field of UNPLAYED_MAP_FIELDS)
        if (field in state) problems.push(`Map state ${stateName} uses ${field} (distributed Map), which is not played locally`);
    }
    if (state.Type === 'Task') {
      const resource = typeof state.Resource === 'string' ? state.Resource : '';
      if (!integrationOf(resource)) {
        problems.push(
          `Task state ${stateName} calls ${resource || '(no Resource)'}: only lambda:invoke, lambda:invoke.waitForTaskToken and Lambda function ARNs are played locally`,
        );
      }
      if (integrationOf(resource) === 'lambda-invoke-wait-for-task-token' && !isObject(state.Parameters)) {
        problems.push(`Task state ${stateName} waits for a task token but has no Parameters (FunctionName and a Payload carrying $$.Task.Token)`);
      }
    }
  });
  if (problems.length > 0) throw new Error(`State machine ${name} cannot run locally:\n  - ${problems.join('\n  - ')}`);

  // The validator adds QueryLanguage to every state of what it is given: validate a copy.
  const result = validateAsl(jsonClone(asl), { checkPaths: true, checkArn: true });
  if (!result.isValid) throw new Error(`State machine ${name} has an invalid definition (asl-validator):\n  ${result.errorsText('\n  ')}`);
}

export interface PrepareOptions {
  /** Multiplies every Retry interval (IntervalSeconds and MaxDelaySeconds); backoff and jitter still apply. */
  readonly retryIntervalScale: number;
}

/**
 * The copy of a checked definition the interpreter runs. It differs from the deployed one only where the
 * interpreter differs from AWS:
 * - a Task without TimeoutSeconds gets the longest timer instead of the interpreter's 60 s; longer ones are capped;
 * - token tasks lose their Parameters, which the local task handler resolves itself once it has a token for
 *   `$$.Task.Token` (the interpreter's Context object is one per execution, not one per task);
 * - Retry intervals are multiplied by `retryIntervalScale` (1 unless a test asks for faster retries).
 */
export function prepareForInterpreter(asl: AslDefinition, options: PrepareOptions): PreparedDefinition {
  const interpreted = jsonClone(asl);
  const tasks = new Map<string, TaskSpec>();
  if (typeof interpreted.TimeoutSeconds === 'number') interpreted.TimeoutSeconds = Math.min(interpreted.TimeoutSeconds, LONGEST_TIMER_SECONDS);
  forEachState(interpreted, (stateName, state) => {
    if (Array.isArray(state.Retry)) {
      state.Retry = (state.Retry as Array<Record<string, unknown>>).map((retrier) => ({
        ...retrier,
        IntervalSeconds: (typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1) * options.retryIntervalScale,
        ...(typeof retrier.MaxDelaySeconds === 'number' ? { MaxDelaySeconds: retrier.MaxDelaySeconds * options.retryIntervalScale } : {}),
      }));
    }
    if (state.Type !== 'Task') return;
    const resource = String(state.Resource);
    const integration = integrationOf(resource);
    if (!integration) throw new Error(`Task state ${stateName} calls ${resource}, which is not played locally`);
    tasks.set(stateName, {
      stateName,
      integration,
      resource,
      parameters: state.Parameters,
      timeoutSeconds: typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined,
      timeoutSecondsPath: typeof state.TimeoutSecondsPath === 'string' ? state.TimeoutSecondsPath : undefined,
      heartbeatSeconds: typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds : undefined,
      heartbeatSecondsPath: typeof state.HeartbeatSecondsPath === 'string' ? state.HeartbeatSecondsPath : undefined,
    });
    if (typeof state.TimeoutSeconds === 'number') state.TimeoutSeconds = Math.min(state.TimeoutSeconds, LONGEST_TIMER_SECONDS);
    else if (state.TimeoutSecondsPath === undefined) state.TimeoutSeconds = LONGEST_TIMER_SECONDS;
    if (integration === 'lambda-invoke-wait-for-task-token') delete state.Parameters;
  });
  return { asl, interpreted, tasks };
}

/** The local integration for a Task Resource, or undefined when it is not played locally. */
export function integrationOf(resource: string): TaskIntegration | undefined {
  if (LAMBDA_INVOKE.test(resource)) return 'lambda-invoke';
  if (LAMBDA_INVOKE_WAIT.test(resource)) return 'lambda-invoke-wait-for-task-token';
  if (isLambdaFunctionArn(resource)) return 'lambda-function';
  return undefined;
}

/** arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>] */
function isLambdaFunctionArn(resource: string): boolean {
  const parts = resource.split(':');
  return (
    (parts.length === 7 || parts.length === 8) &&
    parts[0] === 'arn' &&
    /^aws[a-z-]*$/.test(parts[1] ?? '') &&
    parts[2] === 'lambda' &&
    parts[5] === 'function' &&
    /^[A-Za-z0-9_-]+$/.test(parts[6] ?? '')
  );
}

/** Visits every state, descending into Parallel branches and Map item processors, with the query language in force. */
function forEachState(machine: AslDefinition, visit: (name: string, state: AslState, queryLanguage: string) => void, inherited = 'JSONPath'): void {
  const machineLanguage = machine.QueryLanguage ?? inherited;
  for (const [name, state] of Object.entries(machine.States ?? {})) {
    const language = typeof state.QueryLanguage === 'string' ? state.QueryLanguage : machineLanguage;
    visit(name, state, language);
    for (const branch of asArray(state.Branches)) if (isMachine(branch)) forEachState(branch, visit, language);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (isMachine(processor)) forEachState(processor, visit, language);
  }
}

/**
 * A deep copy made in this realm. Not structuredClone: under jest it makes objects of another realm, whose
 * prototype the interpreter's plain-object test (=== Object.prototype) rejects, so nested templates go unresolved.
 */
export function jsonClone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function isMachine(value: unknown): value is AslDefinition {
  return isObject(value) && isObject(value.States) && typeof value.StartAt === 'string';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
