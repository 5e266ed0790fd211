/**
 * The mitigation switches (docs/operations.md, "Mitigation switches"): each one stops a risky flow without a deploy.
 * Off is normal operation; each is one SSM parameter, `/stockade/<stage>/switches/<name>`.
 */
export const SWITCH_NAMES = ['checkout-paused', 'outbox-relay-stopped', 'inventory-webhooks-refused'] as const;
export type SwitchName = (typeof SWITCH_NAMES)[number];

/**
 * What a switch holds: `flag` switches are on or off; a `providers` switch is on for the providers it lists (its
 * parameter holds a JSON array of provider ids, `[]` when none is refused).
 */
export type SwitchKind = 'flag' | 'providers';

/** A switch's state as its readers act on it. */
export interface SwitchState {
  readonly on: boolean;
  /** A `providers` switch: the providers it is on for (sorted); absent for a flag. */
  readonly providers?: readonly string[];
}

export interface SwitchDefinition {
  readonly kind: SwitchKind;
  /**
   * What a reader does when it cannot read the switch and has never read it in this cold start (a value read once is
   * used again, however old, rather than this): `open` acts as if off (normal operation), `closed` as if on.
   */
  readonly onReadFailure: 'open' | 'closed';
  /** Seconds a refused caller is told to wait (Retry-After), for switches that refuse requests. */
  readonly retryAfterSeconds?: number;
  readonly description: string;
}

export const SWITCHES: Readonly<Record<SwitchName, SwitchDefinition>> = {
  'checkout-paused': {
    kind: 'flag',
    // A read failure must not take checkout down: it stays open.
    onReadFailure: 'open',
    retryAfterSeconds: 60,
    description: 'POST /checkout answers 503 with Retry-After; nothing is written and no saga starts',
  },
  'outbox-relay-stopped': {
    kind: 'flag',
    // Skipping a run costs only delay (the notices stay pending, durable), while sending to a provider someone
    // stopped the relay for could do harm: stopped.
    onReadFailure: 'closed',
    description: 'The stock notice relay does nothing; notices stay pending and go out once it is resumed',
  },
  'inventory-webhooks-refused': {
    kind: 'providers',
    // Refusing every provider because a parameter read failed would stop all stock updates: accepted.
    onReadFailure: 'open',
    retryAfterSeconds: 300,
    description: "The listed providers' webhooks answer 503 with Retry-After (they deliver again later); other providers are unaffected",
  },
};

export function isSwitchName(name: string): name is SwitchName {
  return (SWITCH_NAMES as readonly string[]).includes(name);
}

/** The value a switch's parameter is created with: off. */
export function defaultSwitchValue(name: SwitchName): string {
  return SWITCHES[name].kind === 'flag' ? 'off' : '[]';
}

/** The state a parameter value stands for; throws on a value that is not one (a reader treats that as a read failure). */
export function parseSwitchValue(name: SwitchName, value: string): SwitchState {
  if (SWITCHES[name].kind === 'flag') {
    if (value === 'on' || value === 'off') return { on: value === 'on' };
    throw new Error(`The switch ${name} holds neither "on" nor "off"`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`The switch ${name} does not hold a JSON array of provider ids`);
  }
  if (!Array.isArray(parsed) || !parsed.every((p): p is string => typeof p === 'string'))
    throw new Error(`The switch ${name} does not hold a JSON array of provider ids`);
  const providers = [...new Set(parsed)].sort();
  return { on: providers.length > 0, providers };
}

export function formatSwitchValue(name: SwitchName, state: SwitchState): string {
  return SWITCHES[name].kind === 'flag' ? (state.on ? 'on' : 'off') : JSON.stringify([...(state.providers ?? [])].sort());
}

/** The state to act on when a switch cannot be read and no value was read before (SwitchDefinition.onReadFailure). */
export function failureState(name: SwitchName): SwitchState {
  const on = SWITCHES[name].onReadFailure === 'closed';
  return SWITCHES[name].kind === 'flag' ? { on } : { on: false, providers: [] };
}
