import type { HmacCursorCodec } from '../../shared/adapters/hmac-cursor-codec';
import { cursorCodecFromSecret } from '../../shared/adapters/hmac-cursor-codec';
import { SecretsManagerSecretStore } from '../../shared/adapters/secrets-manager-secret-store';
import { systemClock, ulidIds } from '../../shared/adapters/system-clock';
import { requiredEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import type { Clock } from '../../shared/ports/clock';
import type { IdGenerator } from '../../shared/ports/id-generator';
import type { SecretStore } from '../../shared/ports/secret-store';
import { once } from './once';

/** The clock every use case is given in Lambda. */
export const now: Clock = systemClock;

/** The identifiers every use case is given in Lambda. */
export const newId: IdGenerator = ulidIds;

/** The function's one secret store: Secrets Manager through Powertools' cache, with the stage's TTL. */
export const secretStore: () => SecretStore = /* @__PURE__ */ once(() => new SecretsManagerSecretStore());

/** Signs and checks every listing's cursors with the key in CURSOR_KEY_SECRET_ARN. */
export function cursorCodec(): HmacCursorCodec {
  return cursorCodecFromSecret(secretStore(), requiredEnv(ENV.CURSOR_KEY_SECRET_ARN));
}
