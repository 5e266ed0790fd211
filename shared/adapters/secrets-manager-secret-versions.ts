import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { CURRENT_STAGE, PENDING_STAGE, type SecretVersions, type SecretVersionsDescription } from '../ports/secret-versions';

/** Secret versions and staging labels in AWS Secrets Manager (DescribeSecret, GetSecretValue, PutSecretValue, UpdateSecretVersionStage). */
export class SecretsManagerSecretVersions implements SecretVersions {
  constructor(private readonly client: SecretsManagerClient) {}

  async describe(secretId: string): Promise<SecretVersionsDescription> {
    const out = await this.client.send(new DescribeSecretCommand({ SecretId: secretId }));
    return { rotationEnabled: out.RotationEnabled === true, versionStages: out.VersionIdsToStages ?? {} };
  }

  async value(secretId: string, version: { stage: string; versionId?: string }): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: version.stage, VersionId: version.versionId }));
      return out.SecretString;
    } catch (error) {
      // No such version, or a version without a value yet (the placeholder a rotation starts with).
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  async putPending(secretId: string, versionId: string, value: string): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: versionId, SecretString: value, VersionStages: [PENDING_STAGE] }),
    );
  }

  async promote(secretId: string, versionId: string, fromVersionId: string | undefined): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: CURRENT_STAGE, MoveToVersionId: versionId, RemoveFromVersionId: fromVersionId }),
    );
  }
}
