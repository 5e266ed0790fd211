import { performance } from 'node:perf_hooks';
import type { LambdaService } from '../../local/aws/lambda/lambda-service';

/** One function's invocations in one phase; durations in ms, wall time around invoke(). */
export interface FunctionTally {
  count: number;
  errors: number;
  readonly ms: number[];
  readonly memoryMb: number;
}

/**
 * Lambda invocations of a local runtime booted in this process, counted and timed per phase around each function's
 * invoke() (which the REST API, Step Functions and the SQS poller all call). The runtime's code is not changed.
 */
export class InvocationLog {
  phase = 'setup';
  private readonly phases = new Map<string, Map<string, FunctionTally>>();

  /** Wraps every function's invoke() to count and time it under the current phase. */
  attach(lambdas: LambdaService): void {
    for (const fn of lambdas.all()) {
      const label = fn.definition.logicalId.replace(/[0-9A-F]{8}$/, '').replace(/Function$/, '');
      const original = fn.invoke.bind(fn);
      fn.invoke = async (event: unknown) => {
        const started = performance.now();
        const outcome = await original(event);
        const phase = this.phases.get(this.phase) ?? new Map<string, FunctionTally>();
        this.phases.set(this.phase, phase);
        const tally = phase.get(label) ?? { count: 0, errors: 0, ms: [], memoryMb: fn.definition.memoryMb };
        phase.set(label, tally);
        tally.count += 1;
        if (!outcome.ok) tally.errors += 1;
        tally.ms.push(performance.now() - started);
        return outcome;
      };
    }
  }

  of(phase: string): Map<string, FunctionTally> {
    return this.phases.get(phase) ?? new Map();
  }
}
