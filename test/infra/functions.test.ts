import { ENV } from '../../shared/config/env-names';
import { StockadeFunction } from '../../lib/constructs/stockade-function';
import {
  buildStage,
  type CfnResourceJson,
  formatFinding,
  isStageKeyArn,
  resolveReference,
  resourcesOfType,
  STACK_KEYS,
  type StackKey,
  STAGES,
  type SynthesizedStage,
  synthStage,
} from './synth-stage';

interface PolicyStatementJson {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: unknown;
}

/** Every resource of a type across the stage's stacks. */
function everywhere(synth: SynthesizedStage, type: string): { stack: StackKey; logicalId: string; resource: CfnResourceJson }[] {
  return STACK_KEYS.flatMap((stack) =>
    Object.entries(resourcesOfType(synth.templates[stack], type)).map(([logicalId, resource]) => ({ stack, logicalId, resource })),
  );
}

const SECRET_NAME = /SECRET|KEY|TOKEN|PASSWORD/i;
/** Prefixes of Stripe secret keys, restricted keys and webhook signing secrets. */
const SECRET_LITERAL = /(?<![A-Za-z0-9])(sk_live_|sk_test_|whsec_|rk_)/;

/**
 * Function environment variables that could leak a secret: a secret-looking name whose value is not a reference to
 * a Secrets Manager secret (bindSecret passes the ARN, never the value), or any value containing a Stripe secret.
 */
function plaintextSecretProblems(synth: SynthesizedStage): string[] {
  return everywhere(synth, 'AWS::Lambda::Function').flatMap(({ stack, logicalId, resource }) => {
    const variables = ((resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
    return Object.entries(variables).flatMap(([name, value]) => {
      const problems: string[] = [];
      const isSecretArn = (v: unknown) => resolveReference(synth, stack, v)?.resource.Type === 'AWS::SecretsManager::Secret';
      // bindSecretMap: a JSON map whose every joined-in reference is a secret ARN (the literals are its ids and punctuation).
      const joined = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join']?.[1];
      const isSecretArnMap = Array.isArray(joined) && joined.some((p) => typeof p !== 'string') && joined.every((p) => typeof p === 'string' || isSecretArn(p));
      if (SECRET_NAME.test(name) && !isSecretArn(value) && !isSecretArnMap) {
        problems.push(`${logicalId}.${name} has a secret-like name but is not a Secrets Manager secret ARN`);
      }
      if (SECRET_LITERAL.test(JSON.stringify(value))) problems.push(`${logicalId}.${name} contains a literal Stripe secret`);
      return problems;
    });
  });
}

describe.each(STAGES)('functions, logs and secrets (%s)', (stage) => {
  const synth = () => synthStage(stage);
  const functions = () => everywhere(synth(), 'AWS::Lambda::Function');

  // Active tracing (and each role's X-Ray grant) is asserted with the rest of the trace chain in tracing.test.ts.
  test('every function runs nodejs24.x on arm64', () => {
    expect(functions().length).toBeGreaterThan(0);
    for (const { logicalId, resource } of functions()) {
      const p = resource.Properties ?? {};
      expect({ logicalId, Runtime: p.Runtime, Architectures: p.Architectures }).toEqual({ logicalId, Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    }
  });

  test('every function logs to its own encrypted log group with the stage retention', () => {
    for (const { stack, logicalId, resource } of functions()) {
      const logging = resource.Properties?.LoggingConfig as { LogGroup?: unknown; LogFormat?: string } | undefined;
      const group = resolveReference(synth(), stack, logging?.LogGroup);
      expect({ logicalId, logGroup: group?.resource.Type, format: logging?.LogFormat }).toEqual({ logicalId, logGroup: 'AWS::Logs::LogGroup', format: 'JSON' });
      expect({ logicalId, retention: group?.resource.Properties?.RetentionInDays }).toEqual({ logicalId, retention: synth().config.logRetentionDays });
      expect({ logicalId, stageKey: isStageKeyArn(synth(), stack, group?.resource.Properties?.KmsKeyId) }).toEqual({ logicalId, stageKey: true });
    }
  });

  test('every log group in the stage is encrypted with the stage key and expires', () => {
    const groups = everywhere(synth(), 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(0);
    for (const { stack, logicalId, resource } of groups) {
      expect({
        logicalId,
        retention: resource.Properties?.RetentionInDays,
        stageKey: isStageKeyArn(synth(), stack, resource.Properties?.KmsKeyId),
        DeletionPolicy: resource.DeletionPolicy,
      }).toEqual({ logicalId, retention: synth().config.logRetentionDays, stageKey: true, DeletionPolicy: stage === 'dev' ? 'Delete' : 'Retain' });
    }
  });

  test('no function uses the CDK LogRetention custom resource', () => {
    for (const stack of STACK_KEYS) {
      expect({ stack, logRetention: Object.keys(resourcesOfType(synth().templates[stack], 'Custom::LogRetention')) }).toEqual({ stack, logRetention: [] });
    }
    // The custom resource's provider function would show up as a Lambda with this well-known handler.
    expect(functions().filter(({ resource }) => resource.Properties?.Handler === 'index.handler' && JSON.stringify(resource).includes('LogRetention'))).toEqual(
      [],
    );
  });

  test('function permissions live in customer-managed policies, and only X-Ray uses Resource "*"', () => {
    // The only inline policy is the state machine role's (the CDK StateMachine keeps its grants there; acknowledged
    // with cdk-nag PCI.DSS.321-IAMNoInlinePolicy in the workflow stack); no function role has one.
    expect(everywhere(synth(), 'AWS::IAM::Policy').map((p) => p.logicalId.replace(/[A-F0-9]{8}$/, ''))).toEqual(['OrderSagaRoleDefaultPolicy']);
    const policies = everywhere(synth(), 'AWS::IAM::ManagedPolicy');
    expect(policies.length).toBeGreaterThan(0);
    for (const { logicalId, resource } of policies) {
      const statements = (resource.Properties?.PolicyDocument as { Statement?: PolicyStatementJson[] } | undefined)?.Statement ?? [];
      const wildcardActions = statements.filter((s) => s.Effect === 'Allow' && [s.Resource].flat().includes('*')).flatMap((s) => [s.Action ?? []].flat());
      // The synthetic canary's role (staging, prod) holds what Synthetics documents for a canary: listing buckets and
      // its own-namespace metrics have no resource type (lib/constructs/smoke-canary.ts).
      const allowed = logicalId.startsWith('SmokeCanaryPolicy')
        ? ['xray:PutTraceSegments', 's3:ListAllMyBuckets', 'cloudwatch:PutMetricData']
        : ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
      expect({ logicalId, wildcardActions: wildcardActions.filter((a) => !allowed.includes(a)) }).toEqual({
        logicalId,
        wildcardActions: [],
      });
    }
  });

  test('no function environment holds a plaintext secret', () => {
    expect(functions().length).toBeGreaterThan(0);
    expect(plaintextSecretProblems(synth())).toEqual([]);
  });

  test('every secret is encrypted with the stage key and has no value in the template', () => {
    const secrets = everywhere(synth(), 'AWS::SecretsManager::Secret');
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    for (const { stack, logicalId, resource } of secrets) {
      const p = resource.Properties ?? {};
      expect({
        logicalId,
        stageKey: isStageKeyArn(synth(), stack, p.KmsKeyId),
        hasSecretString: 'SecretString' in p,
        generated: 'GenerateSecretString' in p,
      }).toEqual({
        logicalId,
        stageKey: true,
        hasSecretString: false,
        generated: true,
      });
    }
  });
});

describe('a stage with functions that bind a secret, consume a queue and leak a literal', () => {
  let extended: SynthesizedStage | undefined;
  const synth = () =>
    (extended ??= buildStage('dev', {
      extend: ({ apiFunctions, secrets, messaging }) => {
        const stageContext = { config: synthStage('dev').config, key: secrets.key };
        new StockadeFunction(apiFunctions, 'BindsSecret', { stageContext, entry: 'platform/get-health', service: 'test' })
          .bindSecret(ENV.STRIPE_API_KEY_SECRET_ARN, secrets.stripeApiKey)
          .consumeQueue(messaging.fulfilment);
        new StockadeFunction(apiFunctions, 'LeaksSecret', {
          stageContext,
          entry: 'platform/get-health',
          service: 'test',
          environment: { STRIPE_WEBHOOK_SECRET: 'whsec_0123456789', GREETING: 'key is sk_live_0123456789' },
        });
      },
    }));

  test('bindSecret and consumeQueue work across the stateful/stateless stacks with nothing left unacknowledged', () => {
    // Secret.grantRead would put the role into the Secrets stack's key policy: a Secrets -> ApiFunctions dependency cycle.
    const findings = synth().findings.map(formatFinding);
    expect(findings.filter((f) => !f.includes('/LeaksSecret/'))).toEqual([]);
    // A function that is neither a route nor a queue consumer gets no LambdaDLQ acknowledgement.
    expect(findings).toEqual([expect.stringMatching(/^error Serverless-LambdaDLQ at Stockade-dev-ApiFunctions\/LeaksSecret\/Resource/)]);
    const fn = Object.entries(resourcesOfType(synth().templates.apiFunctions, 'AWS::Lambda::Function')).find(([id]) => id.startsWith('BindsSecret'));
    const value = (fn?.[1].Properties?.Environment as { Variables: Record<string, unknown> }).Variables.STRIPE_API_KEY_SECRET_ARN;
    expect(resolveReference(synth(), 'apiFunctions', value)).toMatchObject({
      stack: 'secrets',
      attribute: 'Ref',
      resource: { Type: 'AWS::SecretsManager::Secret' },
    });
  });

  test('the plaintext-secret check reports secret-like literals and accepts the bound secret', () => {
    expect(plaintextSecretProblems(synth())).toEqual([
      expect.stringMatching(/^LeaksSecret\w+\.STRIPE_WEBHOOK_SECRET has a secret-like name/),
      expect.stringMatching(/^LeaksSecret\w+\.STRIPE_WEBHOOK_SECRET contains a literal Stripe secret/),
      expect.stringMatching(/^LeaksSecret\w+\.GREETING contains a literal Stripe secret/),
    ]);
  });
});
