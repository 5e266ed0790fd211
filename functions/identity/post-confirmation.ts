import * as z from '../../shared/validation/zod';
import { enrolNewMember } from '../../shared/domain/identity/token-claims';
import { cognitoTriggerHandler } from '../../shared/handlers/cognito-trigger-handler';
import { logger } from '../../shared/observability/powertools';
import { userDirectory } from './root';

const PostConfirmationEventSchema = z
  .looseObject({
    triggerSource: z.string().check(z.minLength(1)),
    userPoolId: z.string().check(z.minLength(1)),
    userName: z.string().check(z.minLength(1), z.maxLength(128)),
  })
  .check(z.describe('Cognito post confirmation'));

/** Cognito post confirmation: a confirmed sign-up joins the customer group (password resets change nothing). */
export const handler = cognitoTriggerHandler(PostConfirmationEventSchema, async (event) => {
  if (event.triggerSource === 'PostConfirmation_ConfirmSignUp') {
    await enrolNewMember(userDirectory(event.userPoolId), event.userName);
    logger.info('New member enrolled as customer');
  }
  return event;
});
