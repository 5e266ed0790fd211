import { NotFoundError, ValidationError } from '../../../shared/domain/errors';
import type { SwitchName } from '../../../shared/domain/model/switches';
import { flipSwitch, listSwitches } from '../../../shared/domain/operations/switches';
import type { StoredSwitch, SwitchStore } from '../../../shared/ports/switches';
import { FakeAuditLog } from '../../support/order-fakes';

/** Issue 17, item 4: flipping a mitigation switch, as PUT /admin/switches/{name} does, and its audit entries. */

class FakeSwitchStore implements SwitchStore {
  readonly values = new Map<SwitchName, StoredSwitch>([
    ['checkout-paused', { value: 'off', version: 1 }],
    ['outbox-relay-stopped', { value: 'off', version: 1 }],
    ['inventory-webhooks-refused', { value: '[]', version: 1 }],
  ]);
  failWrites = false;

  async read(name: SwitchName): Promise<StoredSwitch> {
    return this.values.get(name) as StoredSwitch;
  }

  async write(name: SwitchName, value: string): Promise<void> {
    if (this.failWrites) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    const current = this.values.get(name) as StoredSwitch;
    this.values.set(name, { value, version: current.version + 1, lastModified: '2026-12-05T23:00:00.000Z' });
  }
}

const actor = { sub: 'admin-sub', sourceIp: '10.0.0.7', requestId: 'req-1' };

function setup() {
  const store = new FakeSwitchStore();
  const audit = new FakeAuditLog();
  const deps = { store, audit, now: () => new Date('2026-12-05T23:00:00Z'), knownProviders: ['acme-warehouse', 'north-supply'] };
  return { store, audit, deps };
}

describe('flipSwitch', () => {
  it('turns a flag on and off, auditing actor, target, outcome, source IP, reason and request id', async () => {
    const { store, audit, deps } = setup();
    const view = await flipSwitch(deps, actor, 'checkout-paused', { on: true, reason: 'INC-42: payments failing' });
    expect(view).toMatchObject({ name: 'checkout-paused', on: true, version: 2 });
    expect(store.values.get('checkout-paused')?.value).toBe('on');
    expect(audit.events).toEqual([
      {
        at: '2026-12-05T23:00:00.000Z',
        actor: 'admin-sub',
        action: 'switch.flip',
        target: 'switch:checkout-paused',
        outcome: 'succeeded',
        sourceIp: '10.0.0.7',
        requestId: 'req-1',
        detail: 'on (now on); reason: INC-42: payments failing',
      },
    ]);
    await flipSwitch(deps, actor, 'checkout-paused', { on: false, reason: 'INC-42 resolved' });
    expect(store.values.get('checkout-paused')?.value).toBe('off');
  });

  it('adds and removes providers of the per-provider switch, and clears it when turned off naming none', async () => {
    const { store, deps } = setup();
    await flipSwitch(deps, actor, 'inventory-webhooks-refused', { on: true, reason: 'acme floods us', providers: ['acme-warehouse'] });
    await flipSwitch(deps, actor, 'inventory-webhooks-refused', { on: true, reason: 'north too', providers: ['north-supply'] });
    expect(store.values.get('inventory-webhooks-refused')?.value).toBe('["acme-warehouse","north-supply"]');
    const view = await flipSwitch(deps, actor, 'inventory-webhooks-refused', { on: false, reason: 'acme fixed', providers: ['acme-warehouse'] });
    expect(view).toMatchObject({ on: true, providers: ['north-supply'] });
    expect(await flipSwitch(deps, actor, 'inventory-webhooks-refused', { on: false, reason: 'all clear' })).toMatchObject({ on: false, providers: [] });
  });

  it('refuses, and audits, an unknown switch (404), an unknown provider or a flag with providers (400)', async () => {
    const { store, audit, deps } = setup();
    await expect(flipSwitch(deps, actor, 'everything-off', { on: true, reason: 'why not' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(flipSwitch(deps, actor, 'inventory-webhooks-refused', { on: true, reason: 'x', providers: ['nobody-here'] })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(flipSwitch(deps, actor, 'inventory-webhooks-refused', { on: true, reason: 'which one?' })).rejects.toBeInstanceOf(ValidationError);
    await expect(flipSwitch(deps, actor, 'checkout-paused', { on: true, reason: 'x', providers: ['acme-warehouse'] })).rejects.toBeInstanceOf(ValidationError);
    expect(audit.events.map((e) => [e.target, e.outcome])).toEqual([
      ['switch:everything-off', 'failed'],
      ['switch:inventory-webhooks-refused', 'failed'],
      ['switch:inventory-webhooks-refused', 'failed'],
      ['switch:checkout-paused', 'failed'],
    ]);
    expect([...store.values.values()].every((v) => v.version === 1)).toBe(true);
  });

  it('audits a write SSM refused as failed and lets the error through (5xx)', async () => {
    const { store, audit, deps } = setup();
    store.failWrites = true;
    await expect(flipSwitch(deps, actor, 'outbox-relay-stopped', { on: true, reason: 'provider asks us to stop' })).rejects.toThrow('throttled');
    expect(audit.events[0]).toMatchObject({ outcome: 'failed', detail: expect.stringContaining('ThrottlingException') });
  });

  it('lists every switch with its state', async () => {
    const { deps } = setup();
    await flipSwitch(deps, actor, 'outbox-relay-stopped', { on: true, reason: 'maintenance' });
    expect((await listSwitches(deps)).map((s) => [s.name, s.on])).toEqual([
      ['checkout-paused', false],
      ['outbox-relay-stopped', true],
      ['inventory-webhooks-refused', false],
    ]);
  });
});
