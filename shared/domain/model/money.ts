/** Shared value types of the domain: dependency-free, so ports and use cases alike may use them. */

/** Money is an integer in minor units plus an ISO 4217 code (api-contract.md). */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

/**
 * The number of minor-unit digits of an ISO 4217 currency (its exponent): EUR 2, JPY 0, KWD 3. From the runtime's
 * ICU data (Intl), so every currency it knows is right; a well-formed code it does not know gets ISO 4217's usual 2.
 * Undefined for a code that is not three letters.
 */
export function currencyExponent(currency: string): number | undefined {
  if (!/^[A-Za-z]{3}$/.test(currency)) return undefined;
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/**
 * Money for people, e.g. in an audit event's detail: `{ amount: 3600, currency: 'EUR' }` is "36.00 EUR",
 * `{ amount: 500, currency: 'JPY' }` is "500 JPY", `{ amount: 1500, currency: 'KWD' }` is "1.500 KWD". Exact for any
 * safe integer (no floating-point division). A code that is not three letters, or an amount that is not an
 * integer, is shown as it is with "(minor units)" rather than guessed at.
 */
export function formatMoney(money: Money): string {
  const exponent = currencyExponent(money.currency);
  const code = money.currency.toUpperCase();
  if (exponent === undefined || !Number.isSafeInteger(money.amount)) return `${money.amount} ${money.currency} (minor units)`;
  const digits = String(Math.abs(money.amount)).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent > 0 ? `.${digits.slice(digits.length - exponent)}` : '';
  return `${money.amount < 0 ? '-' : ''}${whole}${fraction} ${code}`;
}
