import type { AuditLog } from '../../ports/audit-log';
import { CURRENT_STAGE, PENDING_STAGE, type SecretVersions } from '../../ports/secret-versions';
import { parseInventoryHmacSecret, rotatedInventoryHmacSecret, serializeInventoryHmacSecret } from './hmac-secrets';
import type { Clock } from '../../ports/clock';

/** The four steps Secrets Manager asks a rotation function to take, in this order. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** One rotation step for one secret: `token` is the version id of the value the rotation is creating. */
export interface RotationRequest {
  readonly step: RotationStep;
  readonly secretId: string;
  readonly token: string;
}

/** What a step did; every step is safe to repeat, and a repeat reports that it found its work done. */
export type RotationStepOutcome = 'already-current' | 'created' | 'pending-exists' | 'nothing-to-set' | 'tested' | 'promoted';

/** The rotation cannot go on: Secrets Manager records the failed step and the secret keeps its current value. */
export class SecretRotationError extends Error {
  override readonly name = 'SecretRotationError';
}

/**
 * One step of rotating an inventory provider's HMAC secret, following the Secrets Manager rotation protocol:
 *
 * - createSecret: unless the token's version already has a value, store `{ current: <new>, previous: <old current>,
 *   rotatedAt: now }` as that version, labelled AWSPENDING.
 * - setSecret: nothing to push. Stockade is the party that verifies; the provider fetches the new secret out of band
 *   (docs/operations.md) and may keep signing with the previous one for the grace period.
 * - testSecret: the pending value parses, has a new current and keeps the old current as previous.
 * - finishSecret: AWSCURRENT moves to the token's version (the old one becomes AWSPREVIOUS).
 *
 * Before any step, as the AWS rotation template does: the secret must have rotation enabled and the token must be a
 * version labelled AWSPENDING; a token already AWSCURRENT means the rotation finished, and the step does nothing.
 * Secret values never appear in errors or outcomes.
 */
export async function rotateInventoryHmacSecret(
  deps: { secrets: SecretVersions; now: Clock; newSecret: () => string },
  request: RotationRequest,
): Promise<RotationStepOutcome> {
  const { secrets } = deps;
  const { secretId, token } = request;
  const description = await secrets.describe(secretId);
  if (!description.rotationEnabled) throw new SecretRotationError(`Secret ${secretId} is not enabled for rotation`);
  const stages = description.versionStages[token];
  if (!stages) throw new SecretRotationError(`Secret version ${token} has no stage for rotation of secret ${secretId}`);
  if (stages.includes(CURRENT_STAGE)) return 'already-current';
  if (!stages.includes(PENDING_STAGE))
    throw new SecretRotationError(`Secret version ${token} is not labelled ${PENDING_STAGE} for rotation of secret ${secretId}`);

  const currentValue = async () => {
    const value = await secrets.value(secretId, { stage: CURRENT_STAGE });
    if (value === undefined) throw new SecretRotationError(`Secret ${secretId} has no ${CURRENT_STAGE} value to rotate from`);
    return parseInventoryHmacSecret(value);
  };
  const pendingValue = () => secrets.value(secretId, { stage: PENDING_STAGE, versionId: token });

  switch (request.step) {
    case 'createSecret': {
      const current = await currentValue();
      if ((await pendingValue()) !== undefined) return 'pending-exists';
      const next = rotatedInventoryHmacSecret(current, deps.newSecret(), deps.now());
      await secrets.putPending(secretId, token, serializeInventoryHmacSecret(next));
      return 'created';
    }
    case 'setSecret':
      return 'nothing-to-set';
    case 'testSecret': {
      const raw = await pendingValue();
      if (raw === undefined) throw new SecretRotationError(`Secret version ${token} of ${secretId} has no value to test`);
      const pending = parseInventoryHmacSecret(raw);
      const current = await currentValue();
      if (pending.current === current.current) throw new SecretRotationError(`Secret version ${token} of ${secretId} does not change the current secret`);
      if (pending.previous !== current.current)
        throw new SecretRotationError(`Secret version ${token} of ${secretId} does not keep the current secret as previous`);
      return 'tested';
    }
    case 'finishSecret': {
      const currentVersion = Object.entries(description.versionStages).find(([, labels]) => labels.includes(CURRENT_STAGE))?.[0];
      await secrets.promote(secretId, token, currentVersion);
      return 'promoted';
    }
  }
}

/** The outcomes of the steps that change the secret: a new pending version stored, or the new version made current. */
const CHANGING: readonly RotationStepOutcome[] = ['created', 'promoted'];

/**
 * One rotation step, audited when it changes the secret (docs/privacy.md, "What is audited"): `secret.rotate` on
 * `secret:<secret id>` as the rotation function (actor: its name), `succeeded` with the step and what it did when it
 * stored the pending value or promoted it, `failed` with the step and the error's message (which names the secret and
 * version, never a value) when a step fails; steps that change nothing (set, test, a repeat) are not audited.
 */
export async function rotateInventoryHmacSecretAudited(
  deps: Parameters<typeof rotateInventoryHmacSecret>[0] & { audit: AuditLog; rotator: string },
  request: RotationRequest,
): Promise<RotationStepOutcome> {
  const audit = (outcome: 'succeeded' | 'failed', detail: string) =>
    deps.audit.append({ at: deps.now().toISOString(), actor: deps.rotator, action: 'secret.rotate', target: `secret:${request.secretId}`, outcome, detail });
  let outcome: RotationStepOutcome;
  try {
    outcome = await rotateInventoryHmacSecret(deps, request);
  } catch (error) {
    await audit('failed', `${request.step} of version ${request.token}: ${error instanceof SecretRotationError ? error.message : (error as Error).name}`);
    throw error;
  }
  if (CHANGING.includes(outcome)) await audit('succeeded', `${request.step}: ${outcome} version ${request.token}`);
  return outcome;
}
