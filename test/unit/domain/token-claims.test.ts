import { accessTokenClaims, enrolNewMember, MFA_CLAIM, PrivilegedMfaRequiredError } from '../../../shared/domain/identity/token-claims';
import type { AuditEvent, AuditLog } from '../../../shared/ports/audit-log';
import type { PositionedPage } from '../../../shared/ports/cursor-codec';
import type { UserDirectory } from '../../../shared/ports/user-directory';

/** In-memory fakes of the ports. */
class FakeDirectory implements UserDirectory {
  readonly groups = new Map<string, Set<string>>();
  constructor(private readonly mfa: Record<string, string[]> = {}) {}
  async enabledMfaMethods(username: string) {
    return this.mfa[username] ?? [];
  }
  async addToGroup(username: string, group: string) {
    const set = this.groups.get(username) ?? new Set<string>();
    set.add(group);
    this.groups.set(username, set);
  }
}
class FakeAudit implements AuditLog {
  readonly events: AuditEvent[] = [];
  async append(event: AuditEvent) {
    this.events.push(event);
  }
  async list(): Promise<PositionedPage<AuditEvent>> {
    return { items: [...this.events].reverse() };
  }
}

const now = () => new Date('2026-11-22T10:00:00.000Z');
const input = (groups: string[], refresh = false) => ({ username: 'u1', sub: 'sub-1', groups, refresh });

describe('accessTokenClaims', () => {
  it('gives a customer without MFA plain tokens and audits nothing', async () => {
    const audit = new FakeAudit();
    await expect(accessTokenClaims({ directory: new FakeDirectory(), audit, now }, input(['customer']))).resolves.toEqual({});
    expect(audit.events).toEqual([]);
  });

  it('adds the MFA evidence claim for anyone with TOTP enabled', async () => {
    const directory = new FakeDirectory({ u1: ['SOFTWARE_TOKEN_MFA'] });
    await expect(accessTokenClaims({ directory, audit: new FakeAudit(), now }, input(['customer']))).resolves.toEqual({ [MFA_CLAIM]: 'totp' });
  });

  it.each([['admin'], ['vendor'], ['customer', 'vendor']])('refuses tokens to %s without TOTP and audits the refusal', async (...groups) => {
    const audit = new FakeAudit();
    await expect(accessTokenClaims({ directory: new FakeDirectory({ u1: ['SMS_MFA'] }), audit, now }, input(groups))).rejects.toBeInstanceOf(
      PrivilegedMfaRequiredError,
    );
    expect(audit.events).toEqual([
      {
        at: '2026-11-22T10:00:00.000Z',
        actor: 'sub-1',
        action: 'auth.sign-in',
        target: `groups:${groups.filter((g) => g !== 'customer').join(',')}`,
        outcome: 'denied',
      },
    ]);
  });

  it('audits a privileged sign-in and a refresh as succeeded', async () => {
    const audit = new FakeAudit();
    const ports = { directory: new FakeDirectory({ u1: ['SOFTWARE_TOKEN_MFA'] }), audit, now };
    await accessTokenClaims(ports, input(['admin']));
    await accessTokenClaims(ports, input(['admin'], true));
    expect(audit.events.map((e) => [e.action, e.outcome])).toEqual([
      ['auth.sign-in', 'succeeded'],
      ['auth.token.refresh', 'succeeded'],
    ]);
  });

  it('ignores group names Stockade does not know', async () => {
    const audit = new FakeAudit();
    await expect(accessTokenClaims({ directory: new FakeDirectory(), audit, now }, input(['administrators']))).resolves.toEqual({});
    expect(audit.events).toEqual([]);
  });
});

describe('enrolNewMember', () => {
  it('makes a confirmed sign-up a customer, idempotently', async () => {
    const directory = new FakeDirectory();
    await enrolNewMember(directory, 'u2');
    await enrolNewMember(directory, 'u2');
    expect([...(directory.groups.get('u2') ?? [])]).toEqual(['customer']);
  });
});
