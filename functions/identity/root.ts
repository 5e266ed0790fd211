import * as z from '../../shared/validation/zod';
import { CognitoAccessTokenVerifier } from '../../shared/adapters/cognito-access-token-verifier';
import { requiredEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { DenialAuditor } from '../../shared/domain/access/denial-audit';
import { auditLog, denialMarks } from '../wiring/dynamodb';
import { now } from '../wiring/platform';

/** The identity area's composition root (the API's authorizer and the Cognito triggers), once per cold start. */
export { now } from '../wiring/platform';
export { auditLog } from '../wiring/dynamodb';
export { userDirectory } from '../wiring/cognito';

const AccessPolicySchema = z.strictObject({
  adminAllowedCidrs: z.array(z.string()),
  adminHoursUtc: z.optional(z.strictObject({ from: z.number(), to: z.number() })),
  requireSourceIp: z.optional(z.boolean()),
  accessTokenMaxAgeSeconds: z.number().check(z.int(), z.positive()),
});

/** The stage's access policy (STOCKADE_ACCESS_POLICY): admin networks and hours, the source-IP rule, the token age bound. */
export const accessPolicy = () => AccessPolicySchema.parse(JSON.parse(requiredEnv(ENV.STOCKADE_ACCESS_POLICY)));

/** Verifies the pool's access tokens for the API's clients; it caches the pool's key set across invocations. */
export const accessTokenVerifier = (maxTokenAgeSeconds: number) =>
  new CognitoAccessTokenVerifier({
    userPoolId: requiredEnv(ENV.COGNITO_USER_POOL_ID),
    clientIds: requiredEnv(ENV.COGNITO_CLIENT_IDS).split(','),
    localEndpoint: process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER,
    maxTokenAgeSeconds,
  });

/** The authorizer's denials, audited at most once per caller and minute. */
export const denialAuditor = () => new DenialAuditor({ audit: auditLog(), marks: denialMarks(), now });
