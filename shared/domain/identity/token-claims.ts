import type { AuditLog } from '../../ports/audit-log';
import type { UserDirectory } from '../../ports/user-directory';
import { MFA_CLAIM, MFA_TOTP } from './mfa-evidence';
import { knownGroups, PRIVILEGED_GROUPS } from '../access/access-policy';
import type { Clock } from '../../ports/clock';

export { MFA_CLAIM, MFA_TOTP };

/** Cognito's name for an authenticator-app (TOTP) factor. */
const TOTP_METHOD = 'SOFTWARE_TOKEN_MFA';

/** A privileged member (admin, vendor) tried to obtain tokens without an enrolled authenticator app. */
export class PrivilegedMfaRequiredError extends Error {
  override readonly name = 'PrivilegedMfaRequiredError';
  constructor() {
    super('Admin and vendor accounts must enrol an authenticator app (TOTP) before they can sign in');
  }
}

/**
 * Decides the extra access-token claims at token issue (sign-in and refresh). A user with TOTP enabled is
 * challenged for a code at every sign-in (the pool's MFA is optional per user), so an enabled TOTP factor is the
 * evidence that this session passed MFA. Members of a privileged group without it get no tokens at all, and
 * every privileged issue or refusal is written to the audit log.
 */
export async function accessTokenClaims(
  ports: { directory: UserDirectory; audit: AuditLog; now: Clock },
  input: { username: string; sub: string; groups: readonly string[]; refresh: boolean },
): Promise<Record<string, string>> {
  const groups = knownGroups(input.groups);
  const privileged = groups.filter((g) => PRIVILEGED_GROUPS.includes(g));
  const totp = (await ports.directory.enabledMfaMethods(input.username)).includes(TOTP_METHOD);
  if (privileged.length > 0) {
    // Every privileged token issue, and every refusal, is a security event.
    await ports.audit.append({
      at: ports.now().toISOString(),
      actor: input.sub,
      action: input.refresh ? 'auth.token.refresh' : 'auth.sign-in',
      target: `groups:${privileged.join(',')}`,
      outcome: totp ? 'succeeded' : 'denied',
    });
    if (!totp) throw new PrivilegedMfaRequiredError();
  }
  return totp ? { [MFA_CLAIM]: MFA_TOTP } : {};
}

/** Every confirmed sign-up becomes a customer. */
export async function enrolNewMember(directory: UserDirectory, username: string): Promise<void> {
  await directory.addToGroup(username, 'customer');
}
