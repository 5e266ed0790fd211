import * as z from '../validation/zod';
import { ROTATION_STEPS, type RotationStep } from '../domain/inventory/rotate-hmac-secret';
import { logger } from '../observability/powertools';
import { issuesOf } from '../http/zod-errors';
import { withPowertools } from './powertools';
// Readable stack traces in the logs, paid for at the first logged error rather than at every cold start.
import '../observability/source-mapped-stacks';

/** What Secrets Manager sends for each rotation step (fields it may add later are ignored). */
const RotationEventSchema = z.object({
  Step: z.enum(ROTATION_STEPS),
  SecretId: z.string().check(z.minLength(1), z.maxLength(2048)),
  ClientRequestToken: z.string().check(z.minLength(32), z.maxLength(64)),
});

/**
 * The kit for Secrets Manager rotation functions: the shared observability, the rotation event checked, and the
 * secret ARN, token and step as log keys (never a secret value). A thrown error fails the step, and Secrets Manager
 * retries the rotation.
 */
export function secretRotationHandler(rotate: (request: { step: RotationStep; secretId: string; token: string }) => Promise<string>) {
  return withPowertools(async (event: unknown): Promise<void> => {
    const parsed = RotationEventSchema.safeParse(event);
    if (!parsed.success) throw new Error(`Not a Secrets Manager rotation event: ${issuesOf(parsed.error)}`);
    const { Step: step, SecretId: secretId, ClientRequestToken: token } = parsed.data;
    logger.appendKeys({ secretId, token, step });
    const outcome = await rotate({ step, secretId, token });
    logger.info('Rotation step done', { outcome });
  });
}
