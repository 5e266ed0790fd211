import * as z from '../validation/zod';
import { SWITCH_NAMES } from '../domain/model/switches';
import type { SwitchParameters } from '../adapters/ssm-switch-store';
import { integerEnv, requiredEnv } from './env';
import { ENV } from './env-names';

const SwitchParametersSchema = z.partialRecord(z.enum(SWITCH_NAMES), z.string().check(z.regex(/^\/[A-Za-z0-9_.\-/]+$/)));

/**
 * The switches a function is bound to, `{ "<switch>": "<parameter name>" }` from STOCKADE_SWITCHES
 * (StockadeFunction.bindSwitches). A malformed value fails the cold start.
 */
export function switchParameters(): SwitchParameters {
  let json: unknown;
  try {
    json = JSON.parse(requiredEnv(ENV.STOCKADE_SWITCHES));
  } catch {
    throw new Error(`Invalid configuration: ${ENV.STOCKADE_SWITCHES} is not JSON`);
  }
  const parsed = SwitchParametersSchema.safeParse(json);
  if (!parsed.success) throw new Error(`Invalid configuration: ${ENV.STOCKADE_SWITCHES} is not a map of switch names to SSM parameter names`);
  return parsed.data;
}

/** Seconds a switch value is cached (the stage's `switches.cacheSeconds`): how long a flip takes to act. */
export const switchCacheSeconds = () => integerEnv(ENV.STOCKADE_SWITCH_CACHE_SECONDS, 5);
