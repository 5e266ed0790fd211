import { createHmac, createPrivateKey, createPublicKey, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Just enough JWT to forge tokens for attack tests: decode, re-encode, and sign with RS256, HS256 or nothing.
 * Deliberately no JWT library, so a test controls every byte of the header, the payload and the signature.
 */

export type JwtHeader = { alg: string; kid?: string; typ?: string } & Record<string, unknown>;
export type JwtPayload = Record<string, unknown>;

export interface DecodedJwt {
  readonly header: JwtHeader;
  readonly payload: JwtPayload;
  /** The third segment as it was (base64url). */
  readonly signature: string;
}

/** An RSA signing key and the kid a JWKS would publish it under. */
export interface RsaSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export const b64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function decodeJwt(token: string): DecodedJwt {
  const [header, payload, signature, ...rest] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined || rest.length > 0) throw new Error('Not a three-segment JWT');
  const json = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
  return { header: json(header) as JwtHeader, payload: json(payload) as JwtPayload, signature };
}

/** header.payload with the given signature segment (empty for alg "none"). */
export const assemble = (header: JwtHeader, payload: JwtPayload, signature = ''): string => `${b64url(header)}.${b64url(payload)}.${signature}`;

export function signRs256(key: RsaSigningKey, payload: JwtPayload, header: Partial<JwtHeader> = {}): string {
  const fullHeader: JwtHeader = { alg: 'RS256', kid: key.kid, ...header };
  const signingInput = `${b64url(fullHeader)}.${b64url(payload)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(key.privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

export function signHs256(secret: string | Buffer, payload: JwtPayload, header: Partial<JwtHeader> = {}): string {
  const fullHeader: JwtHeader = { alg: 'HS256', typ: 'JWT', ...header };
  const signingInput = `${b64url(fullHeader)}.${b64url(payload)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

/** cognito-local's built-in signing key (kid "CognitoLocal"): what the local pool signs every token with. */
export function cognitoLocalKey(): RsaSigningKey & { readonly publicKeyPkcs1Pem: string } {
  const keys = path.resolve(__dirname, '..', '..', 'node_modules', 'cognito-local', 'lib', 'keys');
  const secret = JSON.parse(readFileSync(path.join(keys, 'cognitoLocal.private.json'), 'utf8')) as { pem: string; jwk: { kid: string } };
  const published = JSON.parse(readFileSync(path.join(keys, 'cognitoLocal.public.json'), 'utf8')) as { pem: string };
  return { kid: secret.jwk.kid, privateKey: createPrivateKey(secret.pem), publicKey: createPublicKey(published.pem), publicKeyPkcs1Pem: published.pem };
}

/** A brand-new RSA key that no pool has ever published. */
export function freshRsaKey(kid: string): RsaSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey };
}
