import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from '../validation/zod';
import { ValidationError } from '../domain/errors';
import type { CursorCodec, ListPosition } from '../ports/cursor-codec';
import type { SecretStore } from '../ports/secret-store';
import { secretText } from './secrets-manager-secret-store';

const Payload = z.strictObject({ p: z.record(z.string(), z.string().check(z.maxLength(300))), s: z.string().check(z.maxLength(400)) });

const invalid = () => new ValidationError('The cursor is not one this API issued for this listing', [{ path: 'query.cursor', message: 'invalid cursor' }]);

/**
 * Cursors as `<base64url JSON>.<base64url HMAC-SHA256>` over the position and the listing scope. The key comes
 * from `loadKey` (a cached Secrets Manager read in Lambda), so rotating the secret only ends open cursors.
 */
export class HmacCursorCodec implements CursorCodec {
  constructor(private readonly loadKey: () => Promise<string>) {}

  async encode(position: ListPosition, scope: string): Promise<string> {
    const body = Buffer.from(JSON.stringify({ p: position, s: scope })).toString('base64url');
    return `${body}.${await this.mac(body)}`;
  }

  async decode(cursor: string, scope: string): Promise<ListPosition> {
    const [body, mac, ...rest] = cursor.split('.');
    if (!body || !mac || rest.length > 0) throw invalid();
    const expected = Buffer.from(await this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
    const parsed = Payload.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    if (!parsed.success || parsed.data.s !== scope) throw invalid();
    return parsed.data.p;
  }

  private async mac(body: string): Promise<string> {
    return createHmac('sha256', await this.loadKey())
      .update(body)
      .digest('base64url');
  }
}

/** The shortest signing key accepted: 256 bits of hex or base64 text. */
const MIN_KEY_LENGTH = 32;

/** A codec whose key is the secret `secretArn`, read through the function's secret store (rotation ends open cursors). */
export function cursorCodecFromSecret(store: SecretStore, secretArn: string): HmacCursorCodec {
  return new HmacCursorCodec(secretText(store, secretArn, 'cursor signing key', MIN_KEY_LENGTH));
}
