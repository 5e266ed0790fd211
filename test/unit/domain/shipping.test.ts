import { BusinessRuleError, ConflictError, ValidationError } from '../../../shared/domain/errors';
import { addressProblems, COUNTRY_CODES, shippingCharge, type ShippingRates, ShippingRatesSchema } from '../../../shared/domain/orders/shipping';
import { checkout } from '../../../shared/domain/orders/checkout';
import { STAGE_DEFAULTS } from '../../../lib/config/stages';
import { shopCatalog } from '../../support/catalog-fixtures';
import { FakeCarts } from '../../support/fakes';
import { BERLIN, FakeAddressBook, FakeOrders } from '../../support/order-fakes';

const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe('addressProblems', () => {
  it('accepts deliverable addresses of several countries', () => {
    expect(addressProblems(BERLIN)).toEqual([]);
    expect(addressProblems({ name: 'Sam', line1: '1 Main St', city: 'Springfield', postalCode: '62704-1234', region: 'IL', country: 'US' })).toEqual([]);
    expect(addressProblems({ name: 'Kim', line1: '10 Downing St', city: 'London', postalCode: 'SW1A 2AA', country: 'GB' })).toEqual([]);
    // Hong Kong has no postal codes: none is needed.
    expect(addressProblems({ name: 'Lee', line1: '1 Queen’s Road', city: 'Hong Kong', country: 'HK' })).toEqual([]);
  });

  it('knows every ISO 3166-1 alpha-2 code and nothing else', () => {
    expect(COUNTRY_CODES.length).toBeGreaterThanOrEqual(249);
    expect(COUNTRY_CODES).toEqual(expect.arrayContaining(['DE', 'US', 'JP', 'BR', 'AQ']));
    for (const country of ['XX', 'EU', 'UK', 'de', 'DEU', '']) {
      expect(addressProblems({ ...BERLIN, country })).toEqual([{ path: 'shippingAddress.country', message: expect.stringContaining('ISO 3166-1') }]);
    }
  });

  it('requires a postal code where the country uses them, in its format where known, and a region where addresses need one', () => {
    const { postalCode: _, ...withoutPostalCode } = BERLIN;
    expect(addressProblems(withoutPostalCode, 'body')).toEqual([{ path: 'body.postalCode', message: 'is required for addresses in DE' }]);
    expect(addressProblems({ ...BERLIN, postalCode: '1234' })).toEqual([{ path: 'shippingAddress.postalCode', message: 'is not a postal code of DE' }]);
    expect(addressProblems({ name: 'Sam', line1: '1 Main St', city: 'Springfield', postalCode: '62704', country: 'US' })).toEqual([
      { path: 'shippingAddress.region', message: expect.stringContaining('required for addresses in US') },
    ]);
    for (const country of ['CA', 'AU']) {
      expect(addressProblems({ name: 'A', line1: 'B', city: 'C', postalCode: country === 'CA' ? 'K1A 0B1' : '2000', country }).map((p) => p.path)).toEqual([
        'shippingAddress.region',
      ]);
    }
  });

  it('refuses control characters in any field', () => {
    for (const hostile of ['a\nb', 'a\u0000b', 'a\u007fb', 'a\u0085b', 'a\u2028b']) {
      expect(addressProblems({ ...BERLIN, line2: hostile })).toEqual([{ path: 'shippingAddress.line2', message: 'must not contain control characters' }]);
    }
  });
});

describe('shippingCharge', () => {
  const rates: ShippingRates = ShippingRatesSchema.parse({
    defaultOption: 'standard',
    options: [
      {
        id: 'standard',
        label: 'Standard',
        currency: 'EUR',
        rate: {
          kind: 'zone',
          zones: [
            { name: 'EU', countries: ['DE', 'FR'], amount: 490 },
            { name: 'CH', countries: ['CH'], amount: 990 },
          ],
        },
        freeFrom: 5000,
      },
      { id: 'world', label: 'World', currency: 'EUR', rate: { kind: 'zone', zones: [{ name: 'DE', countries: ['DE'], amount: 300 }], otherwise: 2500 } },
      { id: 'express', label: 'Express', currency: 'EUR', rate: { kind: 'flat', amount: 1490 } },
      { id: 'usd', label: 'US', currency: 'USD', rate: { kind: 'flat', amount: 500 } },
    ],
  });

  it('prices a flat option the same everywhere, and a zoned one by the destination zone', () => {
    expect(shippingCharge(rates, { optionId: 'express', country: 'JP', itemsTotal: eur(1000) }).amount).toEqual(eur(1490));
    expect(shippingCharge(rates, { optionId: 'standard', country: 'FR', itemsTotal: eur(1000) }).amount).toEqual(eur(490));
    expect(shippingCharge(rates, { optionId: 'standard', country: 'CH', itemsTotal: eur(1000) }).amount).toEqual(eur(990));
    expect(shippingCharge(rates, { optionId: 'world', country: 'DE', itemsTotal: eur(1000) }).amount).toEqual(eur(300));
    expect(shippingCharge(rates, { optionId: 'world', country: 'BR', itemsTotal: eur(1000) }).amount).toEqual(eur(2500));
  });

  it('uses the default option when none is named, and is free from the option threshold', () => {
    expect(shippingCharge(rates, { country: 'DE', itemsTotal: eur(4999) })).toMatchObject({ option: { id: 'standard' }, amount: eur(490) });
    expect(shippingCharge(rates, { country: 'DE', itemsTotal: eur(5000) }).amount).toEqual(eur(0));
  });

  it('refuses an unknown option, one in another currency, and a zone option to a country it does not ship to (422)', () => {
    expect(() => shippingCharge(rates, { optionId: 'teleport', country: 'DE', itemsTotal: eur(1000) })).toThrow(BusinessRuleError);
    expect(() => shippingCharge(rates, { optionId: 'usd', country: 'DE', itemsTotal: eur(1000) })).toThrow(/priced in USD/);
    expect(() => shippingCharge(rates, { optionId: 'standard', country: 'US', itemsTotal: eur(1000) })).toThrow(/does not ship to US/);
  });

  it('refuses rates whose default option does not exist, with duplicate ids, or with a zone of unknown countries', () => {
    const base = { defaultOption: 'a', options: [{ id: 'a', label: 'A', currency: 'EUR', rate: { kind: 'flat', amount: 1 } }] };
    expect(ShippingRatesSchema.safeParse(base).success).toBe(true);
    expect(ShippingRatesSchema.safeParse({ ...base, defaultOption: 'b' }).success).toBe(false);
    expect(ShippingRatesSchema.safeParse({ ...base, options: [...base.options, ...base.options] }).success).toBe(false);
    const zone = { kind: 'zone', zones: [{ name: 'Z', countries: ['ZZ'], amount: 1 }] };
    expect(ShippingRatesSchema.safeParse({ ...base, options: [{ ...base.options[0], rate: zone }] }).success).toBe(false);
  });

  it("every stage's configured rates are valid", () => {
    for (const stage of Object.values(STAGE_DEFAULTS)) expect(ShippingRatesSchema.safeParse(stage.shipping).success).toBe(true);
  });
});

describe('checkout with shipping', () => {
  const now = () => new Date('2026-12-05T10:00:00Z');
  let ids = 0;
  const newId = () => `01JSHIP${String(ids++).padStart(19, '0')}`;

  async function setup() {
    const { catalog } = await shopCatalog(now, newId);
    const orders = new FakeOrders();
    const addresses = new FakeAddressBook();
    const deps = {
      orders,
      carts: new FakeCarts(),
      catalog,
      workflow: { start: async () => undefined },
      now,
      newId,
      addresses,
      shipping: STAGE_DEFAULTS.dev.shipping,
    };
    return { deps, orders, addresses };
  }
  const MUG = { items: [{ sku: 'MUG', quantity: 1 }] };
  const customer = { customerId: 'c1', email: 'c1@example.test' };

  it('ships to the saved default address by the default option, adds the charge to the total and stores it with the account e-mail', async () => {
    const { deps, orders, addresses } = await setup();
    addresses.addresses.set('c1', BERLIN);
    const { orderId } = await checkout(deps, customer, 'key-ship-000000000001', MUG);
    const order = await orders.get(orderId);
    const items = order?.lines.reduce((sum, l) => sum + l.lineTotal.amount, 0) ?? 0;
    expect(order?.shipping).toEqual({ address: BERLIN, email: 'c1@example.test', option: { id: 'standard', label: expect.any(String) }, amount: eur(490) });
    expect(order?.total).toEqual(eur(items + 490));
  });

  it("prefers the request's address, option and e-mail over the saved ones", async () => {
    const { deps, orders, addresses } = await setup();
    addresses.addresses.set('c1', BERLIN);
    const paris = { name: 'Jean', line1: '1 rue de Rivoli', city: 'Paris', postalCode: '75001', country: 'FR' };
    const { orderId } = await checkout(deps, customer, 'key-ship-000000000002', {
      ...MUG,
      shippingAddress: paris,
      shippingOption: 'express',
      email: 'j@example.test',
    });
    expect((await orders.get(orderId))?.shipping).toMatchObject({ address: paris, email: 'j@example.test', option: { id: 'express' }, amount: eur(1490) });
  });

  it('refuses with 422 when there is no address at all, or no e-mail, and writes nothing', async () => {
    const { deps, orders, addresses } = await setup();
    await expect(checkout(deps, customer, 'key-ship-000000000003', MUG)).rejects.toThrow(/No shipping address/);
    await expect(checkout(deps, customer, 'key-ship-000000000003', MUG)).rejects.toBeInstanceOf(BusinessRuleError);
    addresses.addresses.set('c1', BERLIN);
    await expect(checkout(deps, { customerId: 'c1' }, 'key-ship-000000000004', MUG)).rejects.toThrow(/No contact e-mail/);
    expect(orders.orders.size).toBe(0);
  });

  it('refuses an undeliverable address with 400 naming the field', async () => {
    const { deps } = await setup();
    const attempt = checkout(deps, customer, 'key-ship-000000000005', { ...MUG, shippingAddress: { ...BERLIN, postalCode: undefined } });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ errors: [{ path: 'body.shippingAddress.postalCode' }] });
  });

  it('the same Idempotency-Key with another address is a conflict', async () => {
    const { deps } = await setup();
    await checkout(deps, customer, 'key-ship-000000000006', { ...MUG, shippingAddress: BERLIN });
    await expect(checkout(deps, customer, 'key-ship-000000000006', { ...MUG, shippingAddress: { ...BERLIN, line1: 'Elsewhere 2' } })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });
});
