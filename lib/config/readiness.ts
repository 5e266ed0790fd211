import type { InventoryProviders } from '../../shared/domain/inventory/provider-config';
import type { StageConfig } from './stage-config';

/** The context key that lets a stage with placeholders synthesize anyway: `-c allowPlaceholders=true`. */
export const ALLOW_PLACEHOLDERS_CONTEXT = 'allowPlaceholders';

/** One value that must change before the stage may be deployed: its field, and the file where a team sets it. */
export interface ReadinessProblem {
  readonly field: string;
  readonly problem: string;
  readonly file: string;
}

const STAGES_FILE = 'lib/config/stages.ts';

/**
 * Host names that can never be a real deployment's: the domains reserved for documentation and testing (RFC 2606,
 * RFC 6761), which the shipped defaults use.
 */
export function isPlaceholderHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return (
    ['example.com', 'example.net', 'example.org'].some((d) => name === d || name.endsWith(`.${d}`)) || /(^|\.)(example|test|invalid|localhost)$/.test(name)
  );
}

function placeholderUrl(value: string): boolean {
  try {
    return isPlaceholderHost(new URL(value).hostname);
  } catch {
    return false;
  }
}

/**
 * What stands between a stage and a deployment a team can rely on: a severity with no alarm destination (its alarms
 * would reach nobody), and any value still pointing at a documentation domain (example.com URLs and origins, the
 * example inventory provider). Empty when the stage is ready.
 */
export function readinessProblems(config: StageConfig, providers: InventoryProviders, providersFile: string): ReadinessProblem[] {
  const problems: ReadinessProblem[] = [];
  const add = (field: string, problem: string, file = STAGES_FILE) => problems.push({ field, problem, file });
  for (const severity of ['page', 'ticket'] as const) {
    const { emails, httpsEndpoints } = config.alarms[severity];
    if (emails.length + httpsEndpoints.length === 0)
      add(`alarms.${severity}`, `no destination: its alarms would reach nobody; add an email or an HTTPS endpoint (PagerDuty, Opsgenie)`);
    emails.forEach((email, i) => {
      if (isPlaceholderHost(email.split('@').pop() ?? '')) add(`alarms.${severity}.emails.${i}`, `${email} is a placeholder`);
    });
    httpsEndpoints.forEach((url, i) => {
      if (placeholderUrl(url)) add(`alarms.${severity}.httpsEndpoints.${i}`, `${url} is a placeholder`);
    });
  }
  config.api.corsAllowOrigins.forEach((origin, i) => {
    if (placeholderUrl(origin)) add(`api.corsAllowOrigins.${i}`, `${origin} is a placeholder: set your storefront's origin`);
  });
  if (placeholderUrl(config.fulfilment.apiUrl)) add('fulfilment.apiUrl', `${config.fulfilment.apiUrl} is a placeholder: set your fulfilment provider's API`);
  for (const [id, provider] of Object.entries(providers.providers)) {
    if (placeholderUrl(provider.apiUrl))
      add(`providers.${id}.apiUrl`, `${provider.apiUrl} is the example provider's: map your own inventory providers`, providersFile);
  }
  return problems;
}

/**
 * Staging and prod refuse to synthesize while `readinessProblems` finds anything, naming each field and where to set
 * it; dev never does. With `allowPlaceholders` (tests, the local runtime, documentation examples) they synthesize
 * anyway and the problems come back as one warning, for the caller to show.
 */
export function checkReadiness(
  config: StageConfig,
  providers: InventoryProviders,
  providersFile: string,
  allowPlaceholders: boolean,
): { readonly warning?: string } {
  if (config.stage === 'dev') return {};
  const problems = readinessProblems(config, providers, providersFile);
  if (problems.length === 0) return {};
  const lines = problems.map((p) => `  ${p.field} (${p.file}): ${p.problem}`).join('\n');
  if (!allowPlaceholders) {
    throw new Error(
      `Stage ${config.stage} is not ready to deploy:\n${lines}\n` +
        `Set the real values (docs/operations.md, "Alarm destinations and placeholders"). Tests and local runs may pass -c ${ALLOW_PLACEHOLDERS_CONTEXT}=true; never deploy what that synthesizes.`,
    );
  }
  return {
    warning: `Stage ${config.stage} synthesized with placeholders (-c ${ALLOW_PLACEHOLDERS_CONTEXT}=true): do not deploy this assembly.\n${lines}`,
  };
}
