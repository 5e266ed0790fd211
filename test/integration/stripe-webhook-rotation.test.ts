import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import Stripe from 'stripe';
import { SecretsManagerSecretStore, secretText, stripeWebhookSecrets } from '../../shared/adapters/secrets-manager-secret-store';
import { StripeWebhookVerifier } from '../../shared/adapters/stripe-webhook-verifier';
import { ValidationError } from '../../shared/domain/errors';
import { localCredentials, testEndpoints } from '../support/endpoints';

/**
 * Rotating the Stripe webhook signing secret through the real cached read (Powertools over the Secrets Manager
 * stand-in): both secrets are accepted during the overlap, the old one is refused once it is removed, and a changed
 * value is not read again before the cache TTL.
 */
describe('Stripe webhook secret rotation through the cached secret read', () => {
  const endpoints = testEndpoints();
  let getSecretValueCalls = 0;
  const client = new SecretsManagerClient({ endpoint: endpoints.aws.secretsManager, region: endpoints.region, credentials: localCredentials });
  // Counts what actually reaches Secrets Manager, under whatever cache Powertools keeps.
  client.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'GetSecretValueCommand') getSecretValueCalls += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countGetSecretValue' },
  );
  afterAll(() => client.destroy());

  /** A secret of this test's own: changing one the template declares would change what the running functions read. */
  async function ownSecret(value: string): Promise<string> {
    const created = await client.send(
      new CreateSecretCommand({ Name: `stockade/test/stripe-webhook-rotation-${randomBytes(6).toString('hex')}`, SecretString: value }),
    );
    return created.ARN as string;
  }
  const put = (arn: string, value: string) => client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value }));
  /** Past a 1 s TTL (Powertools expires an entry once its TTL is strictly in the past). */
  const pastTtl = () => new Promise((r) => setTimeout(r, 1_200));

  /** A payment_intent.succeeded event signed now with `secret`, and the verifier's answer to it. */
  function verifyWith(verifier: StripeWebhookVerifier, secret: string) {
    const id = `evt_rotation_${randomBytes(8).toString('hex')}`;
    const body = JSON.stringify({
      id,
      object: 'event',
      type: 'payment_intent.succeeded',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'pi_rotation', object: 'payment_intent', amount: 2100, currency: 'eur', status: 'succeeded', metadata: {} } },
    });
    return { id, result: verifier.verify(body, Stripe.webhooks.generateTestHeaderString({ payload: body, secret })) };
  }
  async function accepts(verifier: StripeWebhookVerifier, secret: string): Promise<void> {
    const { id, result } = verifyWith(verifier, secret);
    await expect(result).resolves.toMatchObject({ provider: 'stripe', eventId: id });
  }
  async function refuses(verifier: StripeWebhookVerifier, secret: string): Promise<void> {
    await expect(verifyWith(verifier, secret).result).rejects.toBeInstanceOf(ValidationError);
  }

  it('accepts the old secret, then both during the overlap, then refuses the old one once it is removed', async () => {
    const arn = await ownSecret('["whsec_old"]');
    const verifier = new StripeWebhookVerifier(stripeWebhookSecrets(new SecretsManagerSecretStore({ maxAge: 1, client }), arn));
    await accepts(verifier, 'whsec_old');
    await refuses(verifier, 'whsec_new');

    await put(arn, '["whsec_new","whsec_old"]');
    await pastTtl();
    await accepts(verifier, 'whsec_new');
    await accepts(verifier, 'whsec_old');

    await put(arn, '["whsec_new"]');
    await pastTtl();
    await refuses(verifier, 'whsec_old');
    await accepts(verifier, 'whsec_new');
  });

  it('does not read a changed secret again within the TTL: one Secrets Manager call per TTL, the cached value in use', async () => {
    const arn = await ownSecret('["whsec_old"]');
    const verifier = new StripeWebhookVerifier(stripeWebhookSecrets(new SecretsManagerSecretStore({ maxAge: 3, client }), arn));
    const callsBefore = getSecretValueCalls;
    await accepts(verifier, 'whsec_old');
    await accepts(verifier, 'whsec_old');
    expect(getSecretValueCalls - callsBefore).toBe(1);

    await put(arn, '["whsec_new"]');
    await accepts(verifier, 'whsec_old');
    await refuses(verifier, 'whsec_new');
    expect(getSecretValueCalls - callsBefore).toBe(1);

    await new Promise((r) => setTimeout(r, 3_200));
    await refuses(verifier, 'whsec_old');
    await accepts(verifier, 'whsec_new');
    expect(getSecretValueCalls - callsBefore).toBe(2);
  });

  it('reads the Stripe API key through the same cache: a rolled key is used after the TTL, not before', async () => {
    const arn = await ownSecret('sk_test_old');
    const apiKey = secretText(new SecretsManagerSecretStore({ maxAge: 1, client }), arn, 'Stripe API key');
    expect(await apiKey()).toBe('sk_test_old');
    await put(arn, 'sk_test_rolled');
    expect(await apiKey()).toBe('sk_test_old');
    await pastTtl();
    expect(await apiKey()).toBe('sk_test_rolled');
  });

  it('fails with a message naming the secret, never quoting it, when the value is not a JSON array of whsec_ secrets', async () => {
    const malformed: Array<[value: string, mustNotShow: string]> = [
      ['whsec_not_in_an_array', 'whsec_not_in_an_array'],
      ['[]', '[]'],
      ['["sk_live_pasted_by_mistake"]', 'sk_live_pasted_by_mistake'],
      ['{"secret":"whsec_in_an_object"}', 'whsec_in_an_object'],
    ];
    for (const [value, mustNotShow] of malformed) {
      const arn = await ownSecret(value);
      const error = (await stripeWebhookSecrets(new SecretsManagerSecretStore({ client }), arn)().catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(ValidationError);
      expect(error.message).toContain(`The Stripe webhook secret ${arn} must be a JSON array of signing secrets`);
      expect(error.message).not.toContain(mustNotShow);
    }
  });

  it('refuses a cache TTL that would not cache', () => {
    expect(() => new SecretsManagerSecretStore({ maxAge: 0, client })).toThrow(/at least 1/);
  });
});
