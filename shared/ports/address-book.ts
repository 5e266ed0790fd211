import type { ShippingAddress } from '../domain/model/shipping';

/** Each customer's default shipping address (personal data: erased with the customer). */
export interface AddressBook {
  get(customerId: string): Promise<ShippingAddress | undefined>;
  /** Replaces the customer's default address. */
  put(customerId: string, address: ShippingAddress, at: string): Promise<void>;
}
