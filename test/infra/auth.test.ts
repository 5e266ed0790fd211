import { routeAccess } from '../../shared/domain/access/route-policies';
import { type CfnResourceJson, invokedFunction, resourcesOfType, STAGES, synthStage } from './synth-stage';

/** The single resource of a type in a template. */
function only(resources: Record<string, CfnResourceJson>): CfnResourceJson {
  const values = Object.values(resources);
  expect(values).toHaveLength(1);
  return values[0] as CfnResourceJson;
}

describe.each(STAGES)('identity and access (%s)', (stage) => {
  const synth = () => synthStage(stage);
  const auth = () => synth().templates.auth;
  const api = () => synth().templates.api;
  const pool = () => only(resourcesOfType(auth(), 'AWS::Cognito::UserPool')).Properties ?? {};

  test('the pool signs in by email, verifies e-mail on sign-up and recovers accounts by e-mail only', () => {
    const p = pool();
    expect(p.UsernameAttributes).toEqual(['email']);
    expect(p.AutoVerifiedAttributes).toEqual(['email']);
    expect(p.AdminCreateUserConfig).toMatchObject({ AllowAdminCreateUserOnly: false });
    expect(p.AccountRecoverySetting).toEqual({ RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] });
  });

  test('passwords: at least 12 characters with every character class', () => {
    expect((pool().Policies as { PasswordPolicy: Record<string, unknown> }).PasswordPolicy).toMatchObject({
      MinimumLength: expect.any(Number),
      RequireLowercase: true,
      RequireUppercase: true,
      RequireNumbers: true,
      RequireSymbols: true,
    });
    expect((pool().Policies as { PasswordPolicy: { MinimumLength: number } }).PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(12);
  });

  test('MFA is TOTP only (no SMS), optional per user, with privileged MFA enforced by the token trigger', () => {
    expect(pool().MfaConfiguration).toBe('OPTIONAL');
    expect(pool().EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    const config = pool().LambdaConfig as { PreTokenGenerationConfig?: { LambdaVersion: string; LambdaArn: unknown }; PostConfirmation?: unknown };
    expect(config.PreTokenGenerationConfig?.LambdaVersion).toBe('V2_0');
    expect(config.PostConfirmation).toBeDefined();
  });

  test('threat protection follows the stage config', () => {
    const threat = synth().config.auth.threatProtection;
    const p = pool();
    expect(p.UserPoolTier).toBe(threat === 'off' ? 'ESSENTIALS' : 'PLUS');
    const mode = (p.UserPoolAddOns as { AdvancedSecurityMode?: string } | undefined)?.AdvancedSecurityMode;
    expect(mode ?? 'OFF').toBe({ off: 'OFF', audit: 'AUDIT', enforced: 'ENFORCED' }[threat]);
  });

  test('deletion protection and retention outside dev', () => {
    const resource = only(resourcesOfType(auth(), 'AWS::Cognito::UserPool'));
    expect(resource.Properties?.DeletionProtection).toBe(stage === 'dev' ? 'INACTIVE' : 'ACTIVE');
    expect(resource.DeletionPolicy).toBe(stage === 'dev' ? 'Delete' : 'Retain');
  });

  test('groups admin, vendor and customer exist, admin first', () => {
    const groups = Object.values(resourcesOfType(auth(), 'AWS::Cognito::UserPoolGroup')).map((g) => [g.Properties?.GroupName, g.Properties?.Precedence]);
    expect(groups.sort()).toEqual([
      ['admin', 10],
      ['customer', 30],
      ['vendor', 20],
    ]);
  });

  test('the storefront client is public, short-lived, with SRP and password sign-in and rotating refresh tokens', () => {
    const client = only(resourcesOfType(auth(), 'AWS::Cognito::UserPoolClient')).Properties ?? {};
    expect(client.GenerateSecret).toBe(false);
    // With rotation, refresh goes through GetTokensFromRefreshToken; the old non-rotating flow must be off.
    expect((client.ExplicitAuthFlows as string[]).sort()).toEqual(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']);
    expect(client.AccessTokenValidity).toBe(synth().config.auth.accessTokenMinutes);
    expect(client.TokenValidityUnits).toMatchObject({ AccessToken: 'minutes' });
    expect(client.PreventUserExistenceErrors).toBe('ENABLED');
    expect(client.EnableTokenRevocation).toBe(true);
    expect(client.RefreshTokenRotation).toMatchObject({ Feature: 'ENABLED' });
  });

  test('every member route is behind the Lambda authorizer; only public and webhook routes are open', () => {
    const resources = resourcesOfType(api(), 'AWS::ApiGateway::Resource');
    const pathOf = (ref: unknown): string => {
      const id = (ref as { Ref?: string }).Ref;
      const r = id ? resources[id] : undefined;
      if (!r) return '';
      return `${pathOf(r.Properties?.ParentId)}/${String(r.Properties?.PathPart)}`;
    };
    const authorizers = resourcesOfType(api(), 'AWS::ApiGateway::Authorizer');
    const authorizerIds = Object.keys(authorizers);
    expect(authorizerIds).toHaveLength(1);
    const authorizer = authorizers[authorizerIds[0] as string]?.Properties ?? {};
    expect(authorizer.Type).toBe('REQUEST');
    expect(authorizer.IdentitySource).toBe('method.request.header.Authorization');
    expect(authorizer.AuthorizerResultTtlInSeconds).toBe(0);
    // The authorizer invokes the live alias of its function in the ApiFunctions stack.
    const invoked = invokedFunction(synth(), 'api', authorizer.AuthorizerUri);
    expect({ stack: invoked?.fn.stack, alias: invoked?.alias?.resource.Properties?.Name }).toEqual({ stack: 'apiFunctions', alias: 'live' });
    const env = (invoked?.fn.resource.Properties?.Environment as { Variables: Record<string, string> }).Variables;
    expect(JSON.parse(env.STOCKADE_ACCESS_POLICY as string)).toEqual({
      adminAllowedCidrs: synth().config.admin.allowedCidrs,
      requireSourceIp: synth().config.auth.requireSourceIp,
      // The authorizer refuses access tokens older, or minted to live longer, than the pool issues them.
      accessTokenMaxAgeSeconds: synth().config.auth.accessTokenMinutes * 60,
      ...(synth().config.auth.adminHoursUtc ? { adminHoursUtc: synth().config.auth.adminHoursUtc } : {}),
    });

    const methods = Object.values(resourcesOfType(api(), 'AWS::ApiGateway::Method')).filter((m) => m.Properties?.HttpMethod !== 'OPTIONS');
    expect(methods.length).toBeGreaterThanOrEqual(2);
    for (const method of methods) {
      const route = `${String(method.Properties?.HttpMethod)} ${pathOf(method.Properties?.ResourceId) || '/'}`;
      const access = routeAccess(route);
      expect({ route, inMatrix: access !== undefined }).toEqual({ route, inMatrix: true });
      if (access?.kind === 'member') {
        expect({ route, type: method.Properties?.AuthorizationType, authorizer: method.Properties?.AuthorizerId }).toEqual({
          route,
          type: 'CUSTOM',
          authorizer: { Ref: authorizerIds[0] },
        });
      } else {
        expect({ route, type: method.Properties?.AuthorizationType }).toEqual({ route, type: 'NONE' });
      }
    }
  });
});

describe.each(STAGES)('data access through IAM (%s)', (stage) => {
  const synth = () => synthStage(stage);
  const policies = () =>
    (['auth', 'apiFunctions'] as const).flatMap((key) =>
      Object.values(resourcesOfType(synth().templates[key], 'AWS::IAM::ManagedPolicy')).flatMap((p) =>
        ((p.Properties?.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }).Statement ?? []).map((s) => ({
          actions: [s.Action].flat(),
          resource: JSON.stringify(s.Resource),
        })),
      ),
    );

  test('no function may Scan a table, or use a DynamoDB or KMS action wildcard', () => {
    const actions = policies().flatMap((s) => s.actions);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a === 'dynamodb:Scan' || a === 'dynamodb:*' || (a.startsWith('kms:') && a.includes('*')))).toEqual([]);
  });

  test('whoever writes the audit table may only append to it', () => {
    const onAudit = policies().filter((s) => s.resource.includes('AuditTable') && s.actions.some((a) => a.startsWith('dynamodb:')));
    expect(onAudit.length).toBeGreaterThanOrEqual(2);
    const writes = onAudit.flatMap((s) => s.actions).filter((a) => /dynamodb:(Put|Update|Delete|BatchWrite)/.test(a));
    expect([...new Set(writes)]).toEqual(['dynamodb:PutItem']);
  });
});
