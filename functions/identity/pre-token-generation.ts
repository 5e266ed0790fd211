import * as z from '../../shared/validation/zod';
import { EMAIL_CLAIM } from '../../shared/domain/identity/mfa-evidence';
import { accessTokenClaims } from '../../shared/domain/identity/token-claims';
import { cognitoTriggerHandler } from '../../shared/handlers/cognito-trigger-handler';
import { logger } from '../../shared/observability/powertools';
import { auditLog, now, userDirectory } from './root';

const audit = auditLog();

/** The fields of Cognito's pre token generation (V2) event this trigger reads; the rest passes through. */
const PreTokenGenerationEventSchema = z
  .looseObject({
    triggerSource: z.string().check(z.minLength(1)),
    userPoolId: z.string().check(z.minLength(1)),
    userName: z.string().check(z.minLength(1), z.maxLength(128)),
    request: z.looseObject({
      userAttributes: z.record(z.string(), z.string()),
      groupConfiguration: z.looseObject({ groupsToOverride: z.nullish(z.array(z.string())) }),
    }),
    response: z.optional(z.unknown()),
  })
  .check(z.describe('Cognito pre token generation'));

/**
 * Cognito pre token generation (V2), at sign-in and refresh: refuses tokens to admins and vendors without an
 * enrolled authenticator app, and adds the MFA-evidence claim to the access token of users who sign in with TOTP.
 */
export const handler = cognitoTriggerHandler(PreTokenGenerationEventSchema, async (event) => {
  const claims = await accessTokenClaims(
    { directory: userDirectory(event.userPoolId), audit, now },
    {
      username: event.userName,
      sub: event.request.userAttributes.sub ?? event.userName,
      groups: event.request.groupConfiguration.groupsToOverride ?? [],
      refresh: event.triggerSource === 'TokenGeneration_RefreshTokens',
    },
  );
  logger.info('Issuing tokens', { triggerSource: event.triggerSource, mfaEvidence: Object.keys(claims).length > 0 });
  // The access token carries the account's e-mail too: checkout's default contact (the ID token has it already).
  const email = event.request.userAttributes.email;
  return {
    ...event,
    response: {
      claimsAndScopeOverrideDetails: {
        accessTokenGeneration: { claimsToAddOrOverride: { ...claims, ...(email ? { [EMAIL_CLAIM]: email } : {}) } },
        idTokenGeneration: { claimsToAddOrOverride: claims },
      },
    },
  };
});
