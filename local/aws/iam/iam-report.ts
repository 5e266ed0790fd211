import type { KeptGrant } from '../../../lib/config/tags';
import type { IamDecision, PolicySnapshot } from './iam';

/** One action on one resource pattern that a function's role allows. */
export interface Grant {
  readonly action: string;
  readonly resource: string;
  readonly policy: string;
  readonly conditional: boolean;
  /** The statement's kms:ViaService condition, if any: the AWS service that uses the key on the caller's behalf. */
  readonly viaService?: string;
}

export interface FunctionReport {
  readonly functionName: string;
  readonly roleArn: string;
  /** Granted, and used by at least one allowed call of the run. */
  readonly used: Grant[];
  /** Granted, never used by an allowed call of the run, and not kept by the stack: remove, or say why it stays. */
  readonly unused: Grant[];
  /** Granted, never used by the run, and kept by the stack with a reason (StockadeFunction.keepGrant). */
  readonly kept: Array<Grant & { readonly reason: string }>;
  /** Reasons the stack gives for grants the role does not have: stale, to delete. */
  readonly staleKeeps: KeptGrant[];
  /**
   * Granted for calls the local runtime does not play (CloudWatch Logs, X-Ray, and a KMS key used through DynamoDB,
   * which encrypts at rest in AWS only): no run can show their use.
   */
  readonly notPlayed: Grant[];
  /** Grants with a wildcard in the action or the resource. */
  readonly wildcards: Grant[];
  readonly denied: number;
}

/** Services whose calls reach no local endpoint, so the decisions cannot tell whether a grant is used. */
const NOT_PLAYED = new Set(['logs', 'xray']);

/** A grant no local call can use: a service the runtime does not play, or a key used only through DynamoDB. */
function notPlayed(grant: Grant): boolean {
  return NOT_PLAYED.has(grant.action.split(':')[0] ?? '') || (grant.action.startsWith('kms:') && (grant.viaService ?? '').startsWith('dynamodb.'));
}

/** Every Allow statement of a function's policies, one grant per action and resource pattern. */
export function grantsOf(policies: PolicySnapshot['functions'][string]['policies']): Grant[] {
  const grants: Grant[] = [];
  for (const { name, policy } of policies) {
    for (const raw of policy.Statement) {
      const statement = raw as {
        Effect?: string;
        Action?: string | string[];
        Resource?: string | string[];
        Condition?: { StringEquals?: Record<string, unknown> };
      };
      const via = statement.Condition?.StringEquals?.['kms:ViaService'];
      if (statement.Effect !== 'Allow' || statement.Action === undefined) continue;
      const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
      const resources = statement.Resource === undefined ? ['*'] : Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      for (const action of actions)
        for (const resource of resources)
          grants.push({
            action,
            resource,
            policy: name,
            conditional: statement.Condition !== undefined,
            ...(typeof via === 'string' ? { viaService: via } : {}),
          });
    }
  }
  return grants;
}

/** IAM's wildcard match (`*` any run of characters, `?` one), case-insensitive for actions. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  // Iterative glob match with backtracking to the last '*'.
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (j < v.length) {
    if (i < p.length && (p[i] === '?' || p[i] === v[j])) {
      i += 1;
      j += 1;
    } else if (i < p.length && p[i] === '*') {
      star = i;
      mark = j;
      i += 1;
    } else if (star >= 0) {
      i = star + 1;
      mark += 1;
      j = mark;
    } else return false;
  }
  while (i < p.length && p[i] === '*') i += 1;
  return i === p.length;
}

/**
 * Least privilege, measured: per function, which of its granted actions/resources some allowed call of the run
 * used, which none did, and which grants hold a wildcard.
 */
export function iamReport(snapshot: PolicySnapshot, decisions: readonly IamDecision[]): FunctionReport[] {
  return Object.entries(snapshot.functions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([functionName, { roleArn, policies, kept = [] }]) => {
      const mine = decisions.filter((d) => d.function === functionName);
      const allowed = mine.filter((d) => d.decision === 'allow');
      const grants = grantsOf(policies);
      const isUsed = (g: Grant) => allowed.some((d) => wildcardMatch(g.action, d.action, true) && wildcardMatch(g.resource, d.resource));
      const unplayable = grants.filter(notPlayed);
      const played = grants.filter((g) => !unplayable.includes(g));
      const keeps = (k: KeptGrant, g: Grant) =>
        k.actions.some((a) => wildcardMatch(a, g.action, true)) && k.resources.some((r) => wildcardMatch(r, g.resource));
      const reasonFor = (g: Grant) => kept.find((k) => keeps(k, g))?.reason;
      const unusedGrants = played.filter((g) => !isUsed(g));
      return {
        functionName,
        roleArn,
        used: played.filter(isUsed),
        unused: unusedGrants.filter((g) => reasonFor(g) === undefined),
        kept: unusedGrants.flatMap((g) => {
          const reason = reasonFor(g);
          return reason === undefined ? [] : [{ ...g, reason }];
        }),
        staleKeeps: kept.filter((k) => !grants.some((g) => keeps(k, g))),
        notPlayed: unplayable,
        wildcards: grants.filter((g) => g.action.includes('*') || g.resource.includes('*')),
        denied: mine.filter((d) => d.decision === 'deny').length,
      };
    });
}

/** The report as text, one block per function. */
export function formatIamReport(reports: readonly FunctionReport[]): string {
  const lines: string[] = [];
  const line = (g: Grant) => `    ${g.action} on ${g.resource}${g.conditional ? ' (with conditions)' : ''}`;
  let unused = 0;
  let kept = 0;
  let stale = 0;
  for (const r of reports) {
    unused += r.unused.length;
    kept += r.kept.length;
    stale += r.staleKeeps.length;
    lines.push(
      `${r.functionName}  (${r.roleArn}; ${r.used.length} grants used, ${r.unused.length} unused, ${r.kept.length} kept unused, ${r.denied} calls denied)`,
    );
    if (r.unused.length) lines.push('  unused grants:', ...r.unused.map(line));
    if (r.kept.length) lines.push('  kept unused, with the reason the stack gives:', ...r.kept.map((g) => `${line(g)}: ${g.reason}`));
    if (r.staleKeeps.length)
      lines.push(
        '  reasons given for grants the role does not have (stale):',
        ...r.staleKeeps.map((k) => `    ${k.actions.join(', ')} on ${k.resources.join(', ')}`),
      );
    if (r.wildcards.length) lines.push('  wildcard grants:', ...r.wildcards.map(line));
  }
  lines.push(
    '',
    `${reports.length} functions, ${unused} unused grants, ${kept} kept unused with a reason, ${stale} stale reasons (CloudWatch Logs, X-Ray and KMS-through-DynamoDB grants are not played locally and not counted)`,
  );
  return lines.join('\n');
}
