import type { Money } from './money';

/** Where an order goes: a postal address (ISO 3166-1 alpha-2 country). Personal data: never logged. */
export interface ShippingAddress {
  /** The recipient. */
  readonly name: string;
  readonly line1: string;
  readonly line2?: string;
  readonly city: string;
  /** Required where the country uses postal codes. */
  readonly postalCode?: string;
  /** State, province or region; required where addresses need one (US, CA, AU, ...). */
  readonly region?: string;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country: string;
}

/** What an order stores about its delivery: the address, the contact e-mail, the option chosen and what it cost. */
export interface OrderShipping {
  readonly address: ShippingAddress;
  /** The customer's contact for this order (the account's e-mail unless checkout named another). */
  readonly email: string;
  readonly option: { readonly id: string; readonly label: string };
  /** The shipping charge, in the order's currency; part of the order total. */
  readonly amount: Money;
}
