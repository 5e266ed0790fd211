import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import middy from '@middy/core';
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CognitoUserDirectory } from '../../shared/adapters/cognito-user-directory';
import { DynamoDbAuditLog } from '../../shared/adapters/dynamodb-audit-log';
import { requiredEnv } from '../../shared/config/env';
import { accessTokenClaims } from '../../shared/domain/identity/token-claims';
import { logger } from '../../shared/observability/powertools';

const client = new CognitoIdentityProviderClient({});
const audit = new DynamoDbAuditLog(new DynamoDBClient({}), requiredEnv('AUDIT_TABLE'));

/**
 * Cognito pre token generation (V2), at sign-in and refresh: refuses tokens to admins and vendors without an
 * enrolled authenticator app, and adds the MFA-evidence claim to the access token of users who sign in with TOTP.
 */
async function preTokenGeneration(event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> {
  const directory = new CognitoUserDirectory(client, event.userPoolId);
  const claims = await accessTokenClaims(
    { directory, audit, now: () => new Date() },
    {
      username: event.userName,
      sub: event.request.userAttributes.sub ?? event.userName,
      groups: event.request.groupConfiguration.groupsToOverride ?? [],
      refresh: event.triggerSource === 'TokenGeneration_RefreshTokens',
    },
  );
  logger.info('Issuing tokens', { triggerSource: event.triggerSource, mfaEvidence: Object.keys(claims).length > 0 });
  event.response = {
    claimsAndScopeOverrideDetails: {
      accessTokenGeneration: { claimsToAddOrOverride: claims },
      idTokenGeneration: { claimsToAddOrOverride: claims },
    },
  };
  return event;
}

export const handler = middy(preTokenGeneration).use(injectLambdaContext(logger, { resetKeys: true }));
