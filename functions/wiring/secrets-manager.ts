import { randomBytes } from 'node:crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecretVersions } from '../../shared/adapters/secrets-manager-secret-versions';

/** Secret versions and their staging labels, for rotation functions (reading a secret's value goes through the secret store). */
export const secretVersions = () => new SecretsManagerSecretVersions(new SecretsManagerClient({}));

/** A new 256-bit secret, hex-encoded. */
export const newSecret = () => randomBytes(32).toString('hex');
