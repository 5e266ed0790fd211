import { Secret, TOTP } from 'otpauth';

/** The current 6-digit code of an authenticator app enrolled with `base32Secret` (RFC 6238, SHA-1, 30 s). */
export function totpCode(base32Secret: string, at: number = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(base32Secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: at });
}
