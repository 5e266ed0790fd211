import * as z from '../validation/zod';
import { COUNTRY_CODES } from '../domain/orders/shipping';

/** Printable text only: no control characters (C0, DEL, C1) nor line or paragraph separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const PRINTABLE = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/;

/** One line of an address: trimmed, printable, 1 to `max` characters. */
const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max), z.regex(PRINTABLE, 'printable characters only'));

/**
 * A shipping address as a client sends it (PUT /me/address, POST /checkout's `shippingAddress`). The shape is checked
 * here and at the edge; the rules that depend on the country (postal code required and in the country's format,
 * region required in US, CA, AU, ...) are the domain's `addressProblems`, applied by the use cases.
 */
export const ShippingAddressSchema = z.strictObject({
  name: text(100),
  line1: text(100),
  line2: z.optional(text(100)),
  city: text(60),
  postalCode: z.optional(text(16)),
  region: z.optional(text(60)),
  country: z.enum(COUNTRY_CODES as [string, ...string[]]).check(z.describe('ISO 3166-1 alpha-2 country code, upper case (DE, US, ...)')),
});

/** A contact e-mail for an order: at most 254 characters (RFC 5321's path limit). */
export const ContactEmailSchema = z.email().check(z.maxLength(254));

/** A shipping option id of the stage's configured rates (lib/config/stages.ts). */
export const ShippingOptionIdSchema = z.string().check(z.regex(/^[a-z0-9-]{1,32}$/, 'a shipping option id such as standard'));
