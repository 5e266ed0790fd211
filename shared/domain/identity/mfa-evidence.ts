/**
 * The MFA evidence in an access token: the token trigger adds claim MFA_CLAIM with value MFA_TOTP when sign-in
 * needed a TOTP code; the authorizer treats a caller as MFA-verified only with exactly that claim and value.
 */
export const MFA_CLAIM = 'stockade:mfa';
export const MFA_TOTP = 'totp';

/** The account's e-mail in the access token (Cognito puts it in the ID token only; the token trigger copies it). */
export const EMAIL_CLAIM = 'email';
