import type { CloudAssembly } from '../../runtime/assembly';
import { type IntrinsicResolver, LOCAL_REGION } from '../../runtime/intrinsics';
import type { LambdaService } from '../lambda/lambda-service';
import type { InvokeOutcome } from '../lambda/local-function';

interface RuleProperties {
  ScheduleExpression?: string;
  State?: string;
  Targets?: Array<{ Arn?: unknown; Id?: string }>;
}

const UNIT_MS: Readonly<Record<string, number>> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

/** `rate(5 minutes)` in milliseconds; undefined for cron() and anything else not played locally. */
export function rateMs(expression: string): number | undefined {
  const match = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression.trim());
  return match ? Number(match[1]) * (UNIT_MS[match[2] as string] ?? 0) : undefined;
}

/** A function a schedule invokes: its rule, rate and target. */
export interface ScheduledTarget {
  /** The AWS::Events::Rule's logical id. */
  readonly rule: string;
  readonly expression: string;
  readonly everyMs: number;
  readonly functionArn: string;
}

/**
 * EventBridge schedules, played locally: every enabled AWS::Events::Rule with a rate() expression invokes its
 * Lambda targets on that rate with a Scheduled Event, like EventBridge. Timers are unref'd and cleared on stop.
 */
export class ScheduleService {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly scheduled: ScheduledTarget[] = [];

  constructor(private readonly lambdas: LambdaService) {}

  start(assembly: CloudAssembly, resolver: IntrinsicResolver): void {
    for (const rule of assembly.resourcesOfType('AWS::Events::Rule')) {
      const p = rule.properties as RuleProperties;
      const every = p.ScheduleExpression ? rateMs(p.ScheduleExpression) : undefined;
      if (!every || !p.ScheduleExpression || p.State === 'DISABLED') continue;
      for (const target of p.Targets ?? []) {
        const arn = String(resolver.resolve(target.Arn, rule.stackName));
        if (!arn.includes(':function:')) continue;
        const scheduled: ScheduledTarget = { rule: rule.logicalId, expression: p.ScheduleExpression, everyMs: every, functionArn: arn };
        const timer = setInterval(() => void this.fire(scheduled).catch(() => undefined), every);
        timer.unref();
        this.timers.push(timer);
        this.scheduled.push(scheduled);
      }
    }
  }

  /** What the schedules invoke, and how often. */
  targets(): readonly ScheduledTarget[] {
    return this.scheduled;
  }

  /**
   * Invokes a target once with a Scheduled Event, as its rule does; `extra` adds fields a manual run may pass (the
   * reconciliation's settleSeconds).
   */
  fire(target: ScheduledTarget, extra: Readonly<Record<string, unknown>> = {}): Promise<InvokeOutcome> {
    return this.lambdas.byName(target.functionArn).invoke({
      ...extra,
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: new Date().toISOString(),
      region: LOCAL_REGION,
      resources: [target.rule],
      detail: {},
    });
  }

  /** Stops the timers: no schedule fires again (fire() still works). */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
  }

  describe(): string[] {
    return this.scheduled.map((t) => `${'Schedule'.padEnd(16)} ${t.rule} ${t.expression} -> ${t.functionArn.split(':').pop() ?? t.functionArn}`);
  }
}
