import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The largest multiple of the alphabet's size below 256: bytes above it are dropped so every character is equally likely. */
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length);

/** Random base-62 characters (client secrets are bearer credentials for a PaymentIntent, so no modulo bias). */
export function randomToken(length: number): string {
  let token = '';
  while (token.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < UNBIASED_LIMIT && token.length < length) token += ALPHABET[byte % ALPHABET.length];
    }
  }
  return token;
}

/** A Stripe-looking object id such as `pi_3QmZ…` (prefix, underscore, 24 base-62 characters). */
export function stripeId(prefix: 'pi' | 'ch' | 'pm' | 're' | 'evt' | 'req' | 'cus'): string {
  return `${prefix}_${randomToken(prefix === 'req' ? 14 : 24)}`;
}
