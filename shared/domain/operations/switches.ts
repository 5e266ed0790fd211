import type { AuditActor, AuditLog } from '../../ports/audit-log';
import type { Clock } from '../../ports/clock';
import type { SwitchReader, SwitchStore } from '../../ports/switches';
import { failureState, formatSwitchValue, isSwitchName, parseSwitchValue, SWITCH_NAMES, SWITCHES, type SwitchName, type SwitchState } from '../model/switches';
import { NotFoundError, ServiceUnavailableError, ValidationError } from '../errors';
import { originOf } from './audit-trail';

/** POST /checkout: refused with 503 and Retry-After while checkout-paused is on, before anything is written. */
export async function refuseWhileCheckoutPaused(switches: SwitchReader): Promise<void> {
  if ((await switches.state('checkout-paused')).on)
    throw new ServiceUnavailableError('Checkout is paused for now; nothing was ordered. Try again later.', SWITCHES['checkout-paused'].retryAfterSeconds ?? 60);
}

/** An inventory provider's webhook: refused with 503 and Retry-After while inventory-webhooks-refused lists it. */
export async function refuseWhileProviderRefused(switches: SwitchReader, providerId: string): Promise<void> {
  if ((await switches.state('inventory-webhooks-refused')).providers?.includes(providerId))
    throw new ServiceUnavailableError(
      `Webhooks of ${providerId} are refused for now; deliver this event again later`,
      SWITCHES['inventory-webhooks-refused'].retryAfterSeconds ?? 300,
    );
}

/** A switch as an admin sees it (GET /admin/switches). */
export interface SwitchView {
  readonly name: SwitchName;
  readonly on: boolean;
  readonly providers?: string[];
  readonly description: string;
  /** The parameter's version: 1 until first flipped. */
  readonly version: number;
  readonly lastModified?: string;
}

/** `PUT /admin/switches/{name}`'s body: on or off, why, and for a providers switch which providers. */
export interface SwitchFlip {
  readonly on: boolean;
  readonly reason: string;
  readonly providers?: readonly string[];
}

export interface SwitchDeps {
  readonly store: SwitchStore;
  readonly audit: AuditLog;
  readonly now: Clock;
  /** The stage's inventory providers: a providers switch names only these. */
  readonly knownProviders: readonly string[];
}

/** Every switch and its state, in SWITCH_NAMES order. */
export async function listSwitches(deps: Pick<SwitchDeps, 'store'>): Promise<SwitchView[]> {
  return Promise.all(SWITCH_NAMES.map(async (name) => viewOf(name, await deps.store.read(name))));
}

/**
 * An admin flips a switch (PUT /admin/switches/{name}). A flag is set on or off. A providers switch is turned on
 * for the named providers (added to those already refused) or off for them (removed), or off for all when `on` is
 * false and none is named. Every attempt is audited as `switch.flip` with the reason and request id, including one
 * refused (unknown switch or provider, 404/400) or failed (the parameter could not be written).
 */
export async function flipSwitch(deps: SwitchDeps, actor: AuditActor, name: string, flip: SwitchFlip): Promise<SwitchView> {
  const audit = (outcome: 'succeeded' | 'failed' | 'denied', what: string) =>
    deps.audit.append({
      at: deps.now().toISOString(),
      actor: actor.sub,
      action: 'switch.flip',
      target: `switch:${name}`,
      outcome,
      detail: `${what}; reason: ${flip.reason}`,
      ...originOf(actor),
    });
  if (!isSwitchName(name)) {
    await audit('failed', 'no such switch');
    throw new NotFoundError(`There is no switch ${name}; the switches are ${SWITCH_NAMES.join(', ')}`);
  }
  const definition = SWITCHES[name];
  const named = [...new Set(flip.providers ?? [])].sort();
  const problem =
    definition.kind === 'flag'
      ? named.length > 0
        ? `${name} is not per provider: send no providers`
        : undefined
      : flip.on && named.length === 0
        ? `name the providers whose webhooks ${name} refuses`
        : named.filter((p) => !deps.knownProviders.includes(p)).map((p) => `${p} is not an inventory provider of this stage`)[0];
  if (problem) {
    await audit('failed', problem);
    throw new ValidationError(`The request body is invalid: ${problem}`, [{ path: 'body.providers', message: problem }]);
  }
  let target: SwitchState;
  try {
    if (definition.kind === 'flag') {
      target = { on: flip.on };
    } else {
      const current = new Set(parseOr(name, (await deps.store.read(name)).value).providers ?? []);
      if (named.length === 0) current.clear();
      for (const p of named)
        if (flip.on) current.add(p);
        else current.delete(p);
      const providers = [...current].sort();
      target = { on: providers.length > 0, providers };
    }
    await deps.store.write(name, formatSwitchValue(name, target));
  } catch (error) {
    await audit('failed', `the parameter could not be written: ${(error as Error).name}`);
    throw error;
  }
  const described = definition.kind === 'flag' ? (target.on ? 'on' : 'off') : `refused providers: ${target.providers?.join(', ') || 'none'}`;
  await audit('succeeded', `${flip.on ? 'on' : 'off'}${named.length > 0 ? ` for ${named.join(', ')}` : ''} (now ${described})`);
  return viewOf(name, await deps.store.read(name));
}

function parseOr(name: SwitchName, value: string): SwitchState {
  try {
    return parseSwitchValue(name, value);
  } catch {
    // A hand-edited value that is not a switch value: the flip replaces it.
    return failureState(name);
  }
}

function viewOf(name: SwitchName, stored: { value: string; version: number; lastModified?: string }): SwitchView {
  const state = parseOr(name, stored.value);
  return {
    name,
    on: state.on,
    ...(state.providers ? { providers: [...state.providers] } : {}),
    description: SWITCHES[name].description,
    version: stored.version,
    ...(stored.lastModified ? { lastModified: stored.lastModified } : {}),
  };
}
