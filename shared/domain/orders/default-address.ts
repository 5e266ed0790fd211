import type { AddressBook } from '../../ports/address-book';
import type { Clock } from '../../ports/clock';
import { NotFoundError, ValidationError } from '../errors';
import type { ShippingAddress } from '../model/shipping';
import { addressProblems } from './shipping';

/** PUT /me/address: the customer's default shipping address, checked by its country's rules (400 naming each problem). */
export async function saveDefaultAddress(deps: { addresses: AddressBook; now: Clock }, customerId: string, address: ShippingAddress): Promise<ShippingAddress> {
  const problems = addressProblems(address, 'body');
  if (problems.length > 0) throw new ValidationError('The address cannot be shipped to', problems);
  await deps.addresses.put(customerId, address, deps.now().toISOString());
  return address;
}

/** GET /me/address: the customer's default shipping address; 404 when none is saved. */
export async function getDefaultAddress(deps: { addresses: AddressBook }, customerId: string): Promise<ShippingAddress> {
  const address = await deps.addresses.get(customerId);
  if (!address) throw new NotFoundError('No default shipping address is saved');
  return address;
}
