import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { SsmSwitchStore, type SwitchParameters } from '../../../shared/adapters/ssm-switch-store';
import { SsmSwitchReader } from '../../../shared/adapters/ssm-switch-reader';
import { ServiceUnavailableError } from '../../../shared/domain/errors';
import type { SwitchName } from '../../../shared/domain/model/switches';
import { refuseWhileCheckoutPaused, refuseWhileProviderRefused } from '../../../shared/domain/operations/switches';
import { localCredentials } from '../../../local/aws/credentials';
import { SsmService } from '../../../local/aws/ssm/ssm';

/** Issue 17, item 4: how a function reads the mitigation switches (cache, and what a read failure means per switch). */

const PARAMETERS: SwitchParameters = {
  'checkout-paused': '/stockade/test/switches/checkout-paused',
  'outbox-relay-stopped': '/stockade/test/switches/outbox-relay-stopped',
  'inventory-webhooks-refused': '/stockade/test/switches/inventory-webhooks-refused',
};

let ssm: SsmService;
let client: SSMClient;

async function startSsm(): Promise<void> {
  ssm = new SsmService();
  await ssm.start();
  client = new SSMClient({ endpoint: ssm.endpoint, region: 'eu-west-1', credentials: localCredentials, maxAttempts: 1 });
  // Seeded as the template creates them: every switch off (PutParameter without Overwrite creates).
  for (const [name, parameter] of Object.entries(PARAMETERS))
    await client.send(new PutParameterCommand({ Name: parameter, Value: name === 'inventory-webhooks-refused' ? '[]' : 'off', Type: 'String' }));
}

function reader(maxAgeSeconds: number, failures: SwitchName[] = []): SsmSwitchReader {
  return new SsmSwitchReader(client, PARAMETERS, { maxAgeSeconds, onReadFailure: (name) => void failures.push(name) });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SsmSwitchReader', () => {
  beforeEach(startSsm);
  afterEach(async () => {
    client.destroy();
    await ssm.stop().catch(() => undefined);
  });

  it('reads each switch and keeps the value for its cache time, then sees a flip', async () => {
    const switches = reader(1);
    const store = new SsmSwitchStore(client, PARAMETERS);
    expect(await switches.state('checkout-paused')).toEqual({ on: false });
    await store.write('checkout-paused', 'on');
    // Within the cache time the function still acts on what it read.
    expect(await switches.state('checkout-paused')).toEqual({ on: false });
    await sleep(1_100);
    expect(await switches.state('checkout-paused')).toEqual({ on: true });
    await store.write('inventory-webhooks-refused', '["north-supply","acme-warehouse"]');
    expect(await switches.state('inventory-webhooks-refused')).toEqual({ on: true, providers: ['acme-warehouse', 'north-supply'] });
    expect((await store.read('checkout-paused')).version).toBe(2);
  });

  it('fails open for checkout and the webhooks, closed for the relay, when a switch was never read', async () => {
    const failures: SwitchName[] = [];
    const switches = reader(5, failures);
    await ssm.stop();
    expect(await switches.state('checkout-paused')).toEqual({ on: false });
    expect(await switches.state('inventory-webhooks-refused')).toEqual({ on: false, providers: [] });
    expect(await switches.state('outbox-relay-stopped')).toEqual({ on: true });
    expect(failures).toEqual(['checkout-paused', 'inventory-webhooks-refused', 'outbox-relay-stopped']);
    await expect(refuseWhileCheckoutPaused(switches)).resolves.toBeUndefined();
    await expect(refuseWhileProviderRefused(switches, 'acme-warehouse')).resolves.toBeUndefined();
  });

  it('keeps acting on the last value read when SSM fails later, and does not ask again until the cache time has passed', async () => {
    const failures: SwitchName[] = [];
    const switches = reader(1, failures);
    await new SsmSwitchStore(client, PARAMETERS).write('checkout-paused', 'on');
    expect(await switches.state('checkout-paused')).toEqual({ on: true });
    await ssm.stop();
    await sleep(1_100);
    // The cached value expired and SSM is down: still paused, not the fail-open default.
    expect(await switches.state('checkout-paused')).toEqual({ on: true });
    expect(await switches.state('checkout-paused')).toEqual({ on: true });
    expect(failures).toEqual(['checkout-paused']);
    await expect(refuseWhileCheckoutPaused(switches)).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it('treats a value that is no switch value as a read failure', async () => {
    const failures: SwitchName[] = [];
    const store = new SsmSwitchStore(client, PARAMETERS);
    await store.write('outbox-relay-stopped', 'maybe');
    await store.write('inventory-webhooks-refused', '{"acme-warehouse":true}');
    const switches = reader(5, failures);
    expect(await switches.state('outbox-relay-stopped')).toEqual({ on: true });
    expect(await switches.state('inventory-webhooks-refused')).toEqual({ on: false, providers: [] });
    expect(failures).toEqual(['outbox-relay-stopped', 'inventory-webhooks-refused']);
  });

  it('refuses a paused checkout and a refused provider with 503 and their Retry-After', async () => {
    const store = new SsmSwitchStore(client, PARAMETERS);
    await store.write('checkout-paused', 'on');
    await store.write('inventory-webhooks-refused', '["acme-warehouse"]');
    const switches = reader(5);
    const paused = await refuseWhileCheckoutPaused(switches).catch((e: unknown) => e);
    expect(paused).toBeInstanceOf(ServiceUnavailableError);
    expect((paused as ServiceUnavailableError).retryAfterSeconds).toBe(60);
    const refused = await refuseWhileProviderRefused(switches, 'acme-warehouse').catch((e: unknown) => e);
    expect((refused as ServiceUnavailableError).retryAfterSeconds).toBe(300);
    await expect(refuseWhileProviderRefused(switches, 'north-supply')).resolves.toBeUndefined();
  });

  it('refuses a cache time under one second (Powertools would not cache at all)', () => {
    expect(() => reader(0)).toThrow('at least 1');
  });
});
