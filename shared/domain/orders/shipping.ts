// The library without its entry's 80 locales of country names (about 700 KiB bundled): codes are all we read.
import countries from 'i18n-iso-countries/index';
import { postcodeValidator, postcodeValidatorExistsForCountry } from 'postcode-validator';
import * as z from '../../validation/zod';
import { BusinessRuleError, type FieldError } from '../errors';
import type { Money } from '../model/money';
import type { ShippingAddress } from '../model/shipping';

export type { OrderShipping, ShippingAddress } from '../model/shipping';

/** Every ISO 3166-1 alpha-2 code, upper case (from i18n-iso-countries, not a copy kept here). */
export const COUNTRY_CODES: readonly string[] = Object.keys(countries.getAlpha2Codes()).sort();
const KNOWN_COUNTRIES = new Set(COUNTRY_CODES);

/**
 * Countries whose addresses carry no postal code (the Universal Postal Union's list of countries without a postcode
 * system): elsewhere a postal code is required.
 */
export const COUNTRIES_WITHOUT_POSTAL_CODES: ReadonlySet<string> = new Set([
  'AE', 'AG', 'AN', 'AO', 'AW', 'BF', 'BI', 'BJ', 'BO', 'BS', 'BW', 'BZ', 'CD', 'CF', 'CG', 'CI', 'CK', 'CM', 'DJ', 'DM', 'ER', 'FJ', 'GA', 'GD', 'GH',
  'GM', 'GQ', 'GY', 'HK', 'KI', 'KM', 'KN', 'KP', 'LY', 'ML', 'MO', 'MR', 'MW', 'NR', 'NU', 'QA', 'RW', 'SB', 'SC', 'SL', 'SR', 'ST', 'SY', 'TD',
  'TF', 'TG', 'TK', 'TL', 'TO', 'TV', 'UG', 'VU', 'YE', 'ZW',
]); // prettier-ignore

/** Countries whose addresses need a state, province or region to be delivered. */
export const COUNTRIES_REQUIRING_REGION: ReadonlySet<string> = new Set(['AR', 'AU', 'BR', 'CA', 'CN', 'IN', 'JP', 'MX', 'MY', 'US']);

/** Control characters (C0, DEL, C1) and the Unicode line and paragraph separators: never part of an address. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Whether `code` is an ISO 3166-1 alpha-2 country code (upper case). */
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && KNOWN_COUNTRIES.has(code);
}

/** Whether `text` holds no control character (address fields are printed on labels and shown to people). */
export function isPrintable(text: string): boolean {
  return !CONTROL.test(text);
}

/**
 * The rules of a deliverable address that depend on its country, beyond the shape the request schema checks
 * (lengths, printable text): a known ISO 3166-1 alpha-2 country, a postal code where the country uses them, in that
 * country's format where it is known, and a region where the country's addresses need one. An empty list means the
 * address can be shipped to.
 */
export function addressProblems(address: ShippingAddress, path = 'shippingAddress'): FieldError[] {
  const problems: FieldError[] = [];
  const { country } = address;
  if (!isCountryCode(country)) return [{ path: `${path}.country`, message: 'must be an ISO 3166-1 alpha-2 country code such as DE or US' }];
  for (const [field, value] of Object.entries(address)) {
    if (typeof value === 'string' && !isPrintable(value)) problems.push({ path: `${path}.${field}`, message: 'must not contain control characters' });
  }
  const postalCode = address.postalCode?.trim();
  if (!COUNTRIES_WITHOUT_POSTAL_CODES.has(country)) {
    if (!postalCode) problems.push({ path: `${path}.postalCode`, message: `is required for addresses in ${country}` });
    else if (postcodeValidatorExistsForCountry(country) && !postcodeValidator(postalCode, country)) {
      problems.push({ path: `${path}.postalCode`, message: `is not a postal code of ${country}` });
    }
  }
  if (COUNTRIES_REQUIRING_REGION.has(country) && !address.region?.trim()) {
    problems.push({ path: `${path}.region`, message: `is required for addresses in ${country} (state, province or region)` });
  }
  return problems;
}

const amount = z.number().check(z.int(), z.minimum(0), z.maximum(10_000_000));

/**
 * A shipping option a stage offers (lib/config/stages.ts), priced in minor units of one currency: `flat` costs the
 * same everywhere it ships; `zone` costs by the destination's zone, and ships only to the zones it lists unless
 * `otherwise` prices the rest of the world. Optionally free from an order value.
 */
export const ShippingOptionSchema = z.strictObject({
  id: z.string().check(z.regex(/^[a-z0-9-]{1,32}$/)),
  label: z.string().check(z.minLength(1), z.maxLength(80)),
  currency: z.string().check(z.regex(/^[A-Z]{3}$/)),
  rate: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('flat'), amount }),
    z.strictObject({
      kind: z.literal('zone'),
      zones: z
        .array(
          z.strictObject({
            name: z.string().check(z.minLength(1), z.maxLength(40)),
            countries: z.array(z.string().check(z.refine(isCountryCode, 'must be an ISO 3166-1 alpha-2 country code'))).check(z.minLength(1)),
            amount,
          }),
        )
        .check(z.minLength(1)),
      otherwise: z.optional(amount),
    }),
  ]),
  /** The items' total (minor units) from which this option is free. */
  freeFrom: z.optional(amount),
});
export type ShippingOption = z.infer<typeof ShippingOptionSchema>;

/** The stage's shipping options and the one checkout uses when the request names none. */
export const ShippingRatesSchema = z.strictObject({ options: z.array(ShippingOptionSchema).check(z.minLength(1)), defaultOption: z.string() }).check(
  z.refine((r) => r.options.some((o) => o.id === r.defaultOption), { message: 'the default option must be one of the options', path: ['defaultOption'] }),
  z.refine((r) => new Set(r.options.map((o) => o.id)).size === r.options.length, { message: 'option ids must be unique', path: ['options'] }),
);
export type ShippingRates = z.infer<typeof ShippingRatesSchema>;

/**
 * The charge for shipping an order worth `itemsTotal` to `country` with option `optionId` (the stage's default when
 * absent). Refused (422) when the option does not exist, is priced in another currency than the order, or does not
 * ship to that country.
 */
export function shippingCharge(
  rates: ShippingRates,
  request: { optionId?: string | undefined; country: string; itemsTotal: Money },
): { option: ShippingOption; amount: Money } {
  const id = request.optionId ?? rates.defaultOption;
  const option = rates.options.find((o) => o.id === id);
  if (!option) throw new BusinessRuleError(`There is no shipping option ${id}; choose one of ${rates.options.map((o) => o.id).join(', ')}`);
  if (option.currency !== request.itemsTotal.currency) {
    throw new BusinessRuleError(`Shipping option ${id} is priced in ${option.currency}; this order is in ${request.itemsTotal.currency}`);
  }
  const price = priceFor(option, request.country);
  if (price === undefined) throw new BusinessRuleError(`Shipping option ${id} does not ship to ${request.country}`);
  const free = option.freeFrom !== undefined && request.itemsTotal.amount >= option.freeFrom;
  return { option, amount: { amount: free ? 0 : price, currency: option.currency } };
}

function priceFor(option: ShippingOption, country: string): number | undefined {
  if (option.rate.kind === 'flat') return option.rate.amount;
  return option.rate.zones.find((z) => z.countries.includes(country))?.amount ?? option.rate.otherwise;
}
