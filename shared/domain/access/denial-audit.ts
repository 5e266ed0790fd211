import type { AuditLog } from '../../ports/audit-log';
import type { Clock } from '../../ports/clock';
import type { DenialMarks } from '../../ports/denial-marks';
import { originOf } from '../operations/audit-trail';

/** One request the authorizer refused: who (a verified sub, or none), from where, which route, and why. */
export interface Denial {
  /** The verified caller's sub; absent when the request carried no valid token (then the source IP stands for them). */
  readonly sub?: string | undefined;
  readonly sourceIp?: string | undefined;
  readonly requestId?: string | undefined;
  readonly route: string;
  readonly status: number;
  readonly reason: string;
}

/** What became of a denial: audited, dropped (its caller's minute is audited already), or not audited (logged). */
export type DenialAuditOutcome = 'audited' | 'dropped' | 'failed';

/** The longest a denial's audit may hold the authorizer's answer; past it the denial is answered and the audit given up. */
export const DENIAL_AUDIT_BUDGET_MS = 800;

/**
 * Audits the authorizer's denials, aggregated per caller and minute so that a flood of refused requests cannot flood
 * the audit trail (docs/privacy.md, "What is audited"): the first denial of a caller (the sub, or `ip:<source IP>`
 * when there is no valid token) in a UTC minute claims that minute's mark and is appended as `auth.denied`; every
 * later denial of the same caller and minute is dropped, in this container without a call (it remembers the marks it
 * saw this minute), elsewhere by the mark's conditional write. Never throws and never takes longer than the budget:
 * a denial the trail could not take is reported as `failed` for the caller to log, and the request is answered anyway.
 */
export class DenialAuditor {
  private minute = '';
  private readonly seen = new Set<string>();

  constructor(
    private readonly deps: { audit: AuditLog; marks: DenialMarks; now: Clock },
    private readonly budgetMs: number = DENIAL_AUDIT_BUDGET_MS,
  ) {}

  async record(denial: Denial): Promise<DenialAuditOutcome> {
    const at = this.deps.now();
    const minute = at.toISOString().slice(0, 16);
    const who = denial.sub ?? `ip:${denial.sourceIp ?? 'unknown'}`;
    if (minute !== this.minute) {
      this.minute = minute;
      this.seen.clear();
    }
    if (this.seen.has(who)) return 'dropped';
    this.seen.add(who);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<DenialAuditOutcome>((resolve) => {
      timer = setTimeout(() => resolve('failed'), this.budgetMs);
    });
    try {
      return await Promise.race([this.write(who, minute, at, denial), deadline]);
    } catch {
      // Another denial of this caller may try again this minute: the mark decides, not this container's memory.
      this.seen.delete(who);
      return 'failed';
    } finally {
      clearTimeout(timer);
    }
  }

  private async write(who: string, minute: string, at: Date, denial: Denial): Promise<DenialAuditOutcome> {
    if (!(await this.deps.marks.claim(who, minute))) return 'dropped';
    await this.deps.audit.append({
      at: at.toISOString(),
      actor: denial.sub ?? 'anonymous',
      action: 'auth.denied',
      target: `route:${denial.route}`,
      outcome: 'denied',
      ...originOf(denial),
      detail: `${denial.status}: ${denial.reason}; first denial of ${who} in minute ${minute}Z, later ones that minute are not recorded`,
    });
    return 'audited';
  }
}
