import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { failureState, parseSwitchValue, type SwitchName, type SwitchState } from '../domain/model/switches';
import type { Clock } from '../ports/clock';
import type { SwitchReader } from '../ports/switches';
import { parameterOf, type SwitchParameters } from './ssm-switch-store';
import { systemClock } from './system-clock';

export interface SsmSwitchReaderOptions {
  /** Seconds a value read is reused before SSM is asked again: how long a flip takes to reach a warm function. */
  readonly maxAgeSeconds: number;
  /** Told of each failed read (the reader logs it and counts SwitchReadFailures). */
  readonly onReadFailure?: (name: SwitchName, error: unknown) => void;
  readonly now?: Clock;
}

/**
 * The switches as a function acts on them: SSM GetParameter through Powertools' SSMProvider, cached for
 * `maxAgeSeconds`. A read that fails (SSM throttled or unreachable, a value that is no switch value) never fails the
 * caller: the last value this cold start read is used, however old, else the switch's `onReadFailure` state, and SSM
 * is not asked again for that switch until `maxAgeSeconds` later, so an SSM outage does not add a call per request.
 */
export class SsmSwitchReader implements SwitchReader {
  private readonly provider: SSMProvider;
  private readonly lastRead = new Map<SwitchName, SwitchState>();
  private readonly retryAfter = new Map<SwitchName, number>();
  private readonly now: Clock;

  constructor(
    client: SSMClient,
    private readonly parameters: SwitchParameters,
    private readonly options: SsmSwitchReaderOptions,
  ) {
    // Powertools does not cache at all for 0 or less: every request would call SSM.
    if (!Number.isSafeInteger(options.maxAgeSeconds) || options.maxAgeSeconds < 1)
      throw new Error(`Invalid configuration: the switch cache time must be a whole number of seconds, at least 1; got ${options.maxAgeSeconds}`);
    this.provider = new SSMProvider({ awsSdkV3Client: client });
    this.now = options.now ?? systemClock;
  }

  async state(name: SwitchName): Promise<SwitchState> {
    const parameter = parameterOf(this.parameters, name);
    const known = this.lastRead.get(name);
    const failed = this.retryAfter.get(name);
    if (failed !== undefined && this.now().getTime() < failed) return known ?? failureState(name);
    try {
      const value = await this.provider.get(parameter, { maxAge: this.options.maxAgeSeconds });
      if (typeof value !== 'string') throw new Error(`The parameter ${parameter} has no value`);
      const state = parseSwitchValue(name, value);
      this.lastRead.set(name, state);
      this.retryAfter.delete(name);
      return state;
    } catch (error) {
      this.retryAfter.set(name, this.now().getTime() + this.options.maxAgeSeconds * 1000);
      this.options.onReadFailure?.(name, error);
      return known ?? failureState(name);
    }
  }
}
