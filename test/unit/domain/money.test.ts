import { currencyExponent, formatMoney } from '../../../shared/domain/model/money';

describe('money for people', () => {
  it.each([
    [{ amount: 3600, currency: 'EUR' }, '36.00 EUR'],
    [{ amount: 1000, currency: 'EUR' }, '10.00 EUR'],
    [{ amount: 5, currency: 'EUR' }, '0.05 EUR'],
    [{ amount: 0, currency: 'EUR' }, '0.00 EUR'],
    [{ amount: 500, currency: 'JPY' }, '500 JPY'],
    [{ amount: 1500, currency: 'KWD' }, '1.500 KWD'],
    [{ amount: 7, currency: 'KWD' }, '0.007 KWD'],
    [{ amount: -250, currency: 'usd' }, '-2.50 USD'],
    [{ amount: 100_000_000, currency: 'EUR' }, '1000000.00 EUR'],
    [{ amount: 9_007_199_254_740_991, currency: 'EUR' }, '90071992547409.91 EUR'],
  ])('%j is %s', (money, text) => {
    expect(formatMoney(money)).toBe(text);
  });

  it('knows each currency by its ISO 4217 exponent, and a well-formed code it does not know by the usual 2', () => {
    expect([currencyExponent('EUR'), currencyExponent('JPY'), currencyExponent('KWD'), currencyExponent('CLP'), currencyExponent('XQQ')]).toEqual([
      2, 0, 3, 0, 2,
    ]);
    expect(currencyExponent('EURO')).toBeUndefined();
  });

  it('shows what it cannot format as minor units rather than guessing', () => {
    expect(formatMoney({ amount: 100, currency: 'EURO' })).toBe('100 EURO (minor units)');
    expect(formatMoney({ amount: 1.5, currency: 'EUR' })).toBe('1.5 EUR (minor units)');
  });
});
