import { Arn, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names';
import { defaultSwitchValue, SWITCH_NAMES, SWITCHES, type SwitchName } from '../../shared/domain/model/switches';
import type { StageConfig } from '../config/stage-config';
import type { StockadeFunction } from './stockade-function';
import { pascalCase } from './construct-ids';

/**
 * The stage's mitigation switches (docs/operations.md, "Mitigation switches"): one SSM String parameter per switch,
 * `/stockade/<stage>/switches/<name>`, created off. An admin flips one with PUT /admin/switches/{name}; CloudFormation
 * changes its value only when the template's value changes, which it never does, so a deploy leaves a flipped
 * switch as it is. Not SecureString: a switch holds no secret, so there is no key to grant.
 */
export class MitigationSwitches extends Construct {
  readonly stage: string;
  /** Seconds a function keeps a switch's value (the stage's `switches.cacheSeconds`). */
  readonly cacheSeconds: number;
  readonly parameters: ReadonlyMap<SwitchName, StringParameter>;

  constructor(scope: Construct, id: string, props: { config: StageConfig }) {
    super(scope, id);
    this.stage = props.config.stage;
    this.cacheSeconds = props.config.switches.cacheSeconds;
    this.parameters = new Map(
      SWITCH_NAMES.map((name) => [
        name,
        new StringParameter(this, switchId(name), {
          parameterName: switchParameterName(this.stage, name),
          stringValue: defaultSwitchValue(name),
          description: `Stockade ${this.stage} mitigation switch: ${SWITCHES[name].description}. Flip with PUT /admin/switches/${name}.`,
          tier: ParameterTier.STANDARD,
        }),
      ]),
    );
  }
}

/** `/stockade/<stage>/switches/<name>`. */
export function switchParameterName(stage: string, name: SwitchName): string {
  return `/stockade/${stage}/switches/${name}`;
}

/**
 * The ARN of a switch's parameter, built in the function's own stack from the name: a grant needs no reference to
 * the Secrets stack's parameter (no export that would pin it).
 */
function parameterArn(fn: StockadeFunction, switches: MitigationSwitches, name: SwitchName): string {
  return Arn.format({ service: 'ssm', resource: 'parameter', resourceName: switchParameterName(switches.stage, name).slice(1) }, Stack.of(fn));
}

function bindSwitchParameters(fn: StockadeFunction, switches: MitigationSwitches, names: readonly SwitchName[]): string[] {
  fn.addEnvironment(ENV.STOCKADE_SWITCHES, JSON.stringify(Object.fromEntries(names.map((n) => [n, switchParameterName(switches.stage, n)]))));
  return names.map((n) => parameterArn(fn, switches, n));
}

/** A function that acts on `names`: their parameter names and the cache time, and ssm:GetParameter on exactly those. */
export function bindSwitchReader(fn: StockadeFunction, switches: MitigationSwitches, names: readonly SwitchName[]): StockadeFunction {
  const resources = bindSwitchParameters(fn, switches, names);
  fn.addEnvironment(ENV.STOCKADE_SWITCH_CACHE_SECONDS, String(switches.cacheSeconds));
  fn.addToRolePolicy(new PolicyStatement({ actions: ['ssm:GetParameter'], resources }));
  return fn;
}

/**
 * The admin routes, on every switch's parameter: `list` (GET /admin/switches) reads them (GetParameter) and reports
 * the cache time; `flip` (PUT /admin/switches/{name}) reads a per-provider switch's list before changing it and
 * writes (GetParameter, PutParameter). No other function may write a switch.
 */
export function bindSwitchAdmin(fn: StockadeFunction, switches: MitigationSwitches, access: 'list' | 'flip'): StockadeFunction {
  const resources = bindSwitchParameters(fn, switches, SWITCH_NAMES);
  if (access === 'list') fn.addEnvironment(ENV.STOCKADE_SWITCH_CACHE_SECONDS, String(switches.cacheSeconds));
  fn.addToRolePolicy(new PolicyStatement({ actions: access === 'flip' ? ['ssm:GetParameter', 'ssm:PutParameter'] : ['ssm:GetParameter'], resources }));
  return fn;
}

function switchId(name: string): string {
  return `${pascalCase(name)}Switch`;
}
