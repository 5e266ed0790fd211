import fc from 'fast-check';
import { decideStock, type SkuStockState } from '../../../shared/domain/inventory/conflict-rules';
import { type NormalizedUpdate, normalizeLine, type ProviderStockLine } from '../../../shared/domain/inventory/normalize';
import { type ProviderSettings, ROUNDING } from '../../../shared/domain/inventory/provider-config';

/** Fixed seeds: a failure prints its seed and path, and the run replays exactly. */
const RUNS = { numRuns: 2000, seed: 20261202 } as const;

const unitName = fc.stringMatching(/^[a-z][a-z0-9-]{0,7}$/);
const units = fc.dictionary(unitName, fc.integer({ min: 1, max: 1_000_000 }), { minKeys: 1, maxKeys: 4 });
const rounding = fc.constantFrom(...ROUNDING);

/** Any valid provider mapping: units and factors, a default unit, a rounding rule, per-SKU overrides, prefixes. */
const settings: fc.Arbitrary<ProviderSettings> = fc
  .record({
    units,
    rounding,
    skus: fc.dictionary(
      fc.stringMatching(/^[A-Za-z0-9:_-]{1,12}$/),
      fc.record(
        { sku: fc.stringMatching(/^[A-Z0-9][A-Z0-9-]{0,11}$/), units: fc.option(units, { nil: undefined }), rounding: fc.option(rounding, { nil: undefined }) },
        { requiredKeys: ['sku'] },
      ),
      { maxKeys: 4 },
    ),
    prefixes: fc.array(fc.record({ externalPrefix: fc.stringMatching(/^[A-Z]{1,4}:$/), skuPrefix: fc.stringMatching(/^[A-Z0-9-]{0,6}$/) }), { maxLength: 2 }),
  })
  .chain((s) =>
    fc.constantFrom(...Object.keys(s.units)).map((defaultUnit) => ({
      priority: 10,
      apiUrl: 'https://provider.example.com/',
      units: s.units,
      defaultUnit,
      rounding: s.rounding,
      // A per-SKU defaultUnit must be one of that SKU's units.
      skus: Object.fromEntries(
        Object.entries(s.skus).map(([ext, m]) => [
          ext,
          { sku: m.sku, ...(m.units ? { units: m.units, defaultUnit: Object.keys(m.units)[0] } : {}), ...(m.rounding ? { rounding: m.rounding } : {}) },
        ]),
      ),
      prefixes: s.prefixes,
      outbound: { timeoutMs: 1000, maxAttempts: 3, failureThreshold: 5, openSeconds: 30 },
    })),
  );

/** Quantities of every kind: whole, fractional, tiny, huge, negative, -0, NaN and the infinities. */
const quantity = fc.oneof(
  fc.integer({ min: -5, max: 1_000_000 }),
  fc.double({ noNaN: false }),
  fc.double({ min: 0, max: 100, noNaN: true }),
  fc.integer({ min: 0, max: 1000 }).map((n) => n / 10),
  fc.constantFrom(0.1 * 3, 1 / 3, 2.5, 1e-12, 1 - 1e-12, -0, Number.MAX_VALUE, Number.MIN_VALUE),
);

describe('normalizeLine (property)', () => {
  it('never produces a fractional or negative onHand, or an unsafe version, for any mapping, unit, quantity and rounding: it quarantines instead', () => {
    fc.assert(
      fc.property(
        settings,
        fc.boolean(),
        quantity,
        fc.option(fc.oneof(unitName, fc.constant('each')), { nil: undefined }),
        fc.option(fc.oneof(fc.integer({ min: -3, max: 1e9 }), fc.double()), { nil: undefined }),
        fc.string({ maxLength: 6 }),
        (s, mapped, qty, unit, version, suffix) => {
          const externalSkus = Object.keys(s.skus);
          const prefix = s.prefixes[0]?.externalPrefix;
          const externalSku = mapped && externalSkus.length > 0 ? (externalSkus[0] as string) : prefix ? `${prefix}${suffix}` : `X${suffix}`;
          const line: ProviderStockLine = { externalSku, quantity: qty, ...(unit ? { unit } : {}), ...(version !== undefined ? { version } : {}) };
          const result = normalizeLine({ id: 'prop-provider', settings: s }, { eventId: 'e-1', occurredAt: '2026-12-01T10:00:00.000Z' }, line);
          if (!result.ok) {
            expect(result.reason).toMatch(/^(unknown-sku|unknown-unit:.*|invalid-quantity|fractional-quantity|invalid-version)$/);
            return;
          }
          const { onHand } = result.update;
          expect(Number.isSafeInteger(onHand)).toBe(true);
          expect(onHand).toBeGreaterThanOrEqual(0);
          expect(Object.is(onHand, -0)).toBe(false);
          expect(Number.isSafeInteger(result.update.version) && result.update.version >= 0).toBe(true);
          // Rounding moves a quantity by less than one each.
          const mapping = Object.hasOwn(s.skus, externalSku) ? s.skus[externalSku] : undefined;
          const factors = mapping?.units ?? s.units;
          const factor = factors[unit ?? mapping?.defaultUnit ?? s.defaultUnit] as number;
          expect(Math.abs(onHand - qty * factor)).toBeLessThan(1 + 1e-6 * Math.max(1, qty * factor));
        },
      ),
      RUNS,
    );
  });
});

/** An update from a provider; each provider has its own priority and versions. */
interface Versioned {
  readonly providerId: string;
  readonly priority: number;
  readonly version: number;
  readonly onHand: number;
}

/** The SKU's state after one update, as DynamoDbInventoryLedger writes it: only an applied update changes anything. */
function fold(state: SkuStockState, u: Versioned): SkuStockState {
  const update: NormalizedUpdate = { ...u, eventId: `${u.providerId}-${u.version}`, externalSku: 'EXT', sku: 'SKU-1', occurredAt: '2026-12-01T10:00:00.000Z' };
  const decision = decideStock(state, update);
  expect(decision.kind !== 'apply' || decision.onHand >= state.reserved).toBe(true);
  if (decision.kind !== 'apply') return state;
  return {
    ...state,
    onHand: decision.onHand,
    source: { providerId: u.providerId, priority: u.priority },
    versions: { ...state.versions, [u.providerId]: u.version },
  };
}

/** Two to four providers with distinct priorities, each with one to five updates of distinct versions. */
const updateSets = fc
  .uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 4 })
  .chain((priorities) =>
    fc.tuple(
      ...priorities.map((priority, p) =>
        fc
          .uniqueArray(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 5 })
          .chain((versions) =>
            fc.tuple(
              ...versions.map((version) =>
                fc.integer({ min: 0, max: 500 }).map((onHand): Versioned => ({ providerId: `provider-${p}`, priority, version, onHand })),
              ),
            ),
          ),
      ),
    ),
  )
  .map((perProvider) => perProvider.flat());

describe('decideStock (property)', () => {
  it('applied over any permutation of the same versioned updates (replays included) converges to the newest version of the highest-priority provider, clamped to reserved', () => {
    fc.assert(
      fc.property(
        updateSets.chain((updates) =>
          fc.record({
            updates: fc.constant(updates),
            // Some updates delivered twice, then everything in any order.
            order: fc.subarray(updates).chain((again) => fc.shuffledSubarray([...updates, ...again], { minLength: updates.length + again.length })),
            reserved: fc.integer({ min: 0, max: 300 }),
            initial: fc.integer({ min: 0, max: 500 }),
          }),
        ),
        ({ updates, order, reserved, initial }) => {
          const start: SkuStockState = { onHand: Math.max(initial, reserved), reserved, versions: {} };
          const end = order.reduce(fold, start);
          const top = Math.max(...updates.map((u) => u.priority));
          const newest = updates.filter((u) => u.priority === top).reduce((a, b) => (b.version > a.version ? b : a));
          expect(end.onHand).toBe(Math.max(newest.onHand, reserved));
          expect(end.source).toEqual({ providerId: newest.providerId, priority: top });
          expect(end.versions[newest.providerId]).toBe(newest.version);
          expect(end.onHand).toBeGreaterThanOrEqual(reserved);
        },
      ),
      RUNS,
    );
  });

  it('takes the units sold and not yet told to the provider off its report: never more on hand than it can have, never below reserved', () => {
    fc.assert(
      fc.property(
        fc.record({ reported: fc.integer({ min: 0, max: 500 }), unsent: fc.integer({ min: 0, max: 600 }), reserved: fc.integer({ min: 0, max: 300 }) }),
        ({ reported, unsent, reserved }) => {
          const update: NormalizedUpdate = {
            providerId: 'p',
            priority: 1,
            eventId: 'e',
            externalSku: 'EXT',
            sku: 'SKU-1',
            onHand: reported,
            version: 2,
            occurredAt: '2026-12-01T10:00:00.000Z',
          };
          const decision = decideStock({ onHand: 0, reserved, versions: { p: 1 }, unsent }, update);
          if (decision.kind !== 'apply') throw new Error(`decided ${decision.kind}`);
          expect(decision.onHand).toBe(Math.max(reported - unsent, 0, reserved));
          expect(decision.clamped).toBe(reserved > Math.max(reported - unsent, 0));
          expect(decision.unsent).toBe(unsent > 0 ? unsent : undefined);
        },
      ),
      RUNS,
    );
  });
});
