import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import middy from '@middy/core';
import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import { CognitoUserDirectory } from '../../shared/adapters/cognito-user-directory';
import { enrolNewMember } from '../../shared/domain/identity/token-claims';
import { logger } from '../../shared/observability/powertools';

const client = new CognitoIdentityProviderClient({});

/** Cognito post confirmation: a confirmed sign-up joins the customer group (password resets change nothing). */
async function postConfirmation(event: PostConfirmationTriggerEvent): Promise<PostConfirmationTriggerEvent> {
  if (event.triggerSource === 'PostConfirmation_ConfirmSignUp') {
    await enrolNewMember(new CognitoUserDirectory(client, event.userPoolId), event.userName);
    logger.info('New member enrolled as customer');
  }
  return event;
}

export const handler = middy(postConfirmation).use(injectLambdaContext(logger, { resetKeys: true }));
