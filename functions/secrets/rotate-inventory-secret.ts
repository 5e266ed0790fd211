import { randomBytes } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import { z } from 'zod';
import { SecretsManagerSecretVersions } from '../../shared/adapters/secrets-manager-secret-versions';
import { ROTATION_STEPS, rotateInventoryHmacSecret } from '../../shared/domain/inventory/rotate-hmac-secret';
import { logger } from '../../shared/observability/powertools';

const deps = {
  secrets: new SecretsManagerSecretVersions(new SecretsManagerClient({})),
  now: () => new Date(),
  newSecret: () => randomBytes(32).toString('hex'),
};

/** What Secrets Manager sends for each rotation step (fields it may add later are ignored). */
const RotationEventSchema = z.object({
  Step: z.enum(ROTATION_STEPS),
  SecretId: z.string().min(1).max(2048),
  ClientRequestToken: z.string().min(32).max(64),
});

/**
 * Secrets Manager rotation function of the inventory providers' HMAC secrets, invoked once per step (createSecret,
 * setSecret, testSecret, finishSecret) with the new version's ClientRequestToken. A thrown error fails the step, and
 * Secrets Manager retries the rotation. Logs the secret ARN, token, step and outcome, never a secret value.
 */
export const handler = middy(async (event: unknown) => {
  const parsed = RotationEventSchema.safeParse(event);
  if (!parsed.success) throw new Error(`Not a Secrets Manager rotation event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { Step: step, SecretId: secretId, ClientRequestToken: token } = parsed.data;
  logger.appendKeys({ secretId, token, step });
  const outcome = await rotateInventoryHmacSecret(deps, { step, secretId, token });
  logger.info('Rotation step done', { outcome });
})
  .use(injectLambdaContext(logger, { resetKeys: true }));
