/**
 * Defence in depth for the rule that logs carry ids, never personal data (docs/privacy.md, "Logs hold no personal
 * data"): the logger's JSON replacer sees every key and value of every line, error attributes included (Powertools
 * writes every enumerable property of a logged error), and masks what would name a person if a log call, or an
 * error from a library, ever carried it: the value of an address or contact field, and any e-mail address in a string.
 * The suite's log scan (test/support/pii-scan.ts) checks the result independently.
 */

/** Keys whose value is an address or a contact, wherever they appear in a line. */
const PERSONAL_KEYS: ReadonlySet<string> = new Set([
  'line1',
  'line2',
  'postalCode',
  'contactEmail',
  'email',
  'phone',
  'phoneNumber',
  'shipTo',
  'shippingAddress',
  'defaultAddress',
]);

/** Bounded (RFC 5321's lengths) so that a long string costs linear time. */
const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}/g;

export const REDACTED = '[redacted]';

/** A JSON replacer (Powertools' `jsonReplacerFn`): personal fields become REDACTED, e-mail addresses `[email]`. */
export function redactPersonalData(key: string, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (PERSONAL_KEYS.has(key)) return REDACTED;
  if (typeof value === 'string' && value.includes('@')) return value.replace(EMAIL, '[email]');
  return value;
}
