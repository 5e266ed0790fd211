import { rotateInventoryHmacSecretAudited } from '../../shared/domain/inventory/rotate-hmac-secret';
import { secretRotationHandler } from '../../shared/handlers/secret-rotation-handler';
import { secretRotationDeps } from '../inventory/root';

const deps = secretRotationDeps();

/**
 * Secrets Manager rotation function of the inventory providers' HMAC secrets, invoked once per step (createSecret,
 * setSecret, testSecret, finishSecret) with the new version's ClientRequestToken. Steps that change the secret, and
 * failed steps, are audited (docs/privacy.md).
 */
export const handler = secretRotationHandler((request) => rotateInventoryHmacSecretAudited(deps, request));
