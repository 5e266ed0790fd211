import { inventoryProviders, inventoryProviderSecretArns } from '../../../shared/config/inventory-providers';
import { loadInventoryProviders } from '../../../lib/config/inventory-providers';
import { resolveStageConfig } from '../../../lib/config/stages';

/**
 * The functions' view of the inventory provider data: synth parses the stage's file and inlines the result into the
 * bundle (StockadeFunction's define of STOCKADE_INVENTORY_PROVIDERS); a cold start reads it back, checking its outline.
 */
describe('inventory provider data at cold start', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  /** What StockadeFunction inlines for the stage: the parsed file, serialized. */
  const inline = (stage: string) => JSON.stringify(loadInventoryProviders(resolveStageConfig({ stage })));

  it('reads back exactly what synth inlined', () => {
    process.env.STOCKADE_INVENTORY_PROVIDERS = inline('dev');
    delete process.env.STOCKADE_INVENTORY_API_URL;
    const data = inventoryProviders();
    expect(data).toEqual(loadInventoryProviders(resolveStageConfig({ stage: 'dev' })));
    expect(Object.keys(data.providers).length).toBeGreaterThan(0);
  });

  it('points every provider at the local stand-in when STOCKADE_INVENTORY_API_URL is set, and nothing else changes', () => {
    process.env.STOCKADE_INVENTORY_PROVIDERS = inline('dev');
    process.env.STOCKADE_INVENTORY_API_URL = 'http://127.0.0.1:4599';
    const data = inventoryProviders();
    for (const [id, provider] of Object.entries(data.providers)) expect(provider.apiUrl).toBe(`http://127.0.0.1:4599/${id}/`);
    expect(data.requireLiveStock).toEqual(loadInventoryProviders(resolveStageConfig({ stage: 'dev' })).requireLiveStock);
  });

  it.each([
    ['missing', undefined, /Missing configuration: STOCKADE_INVENTORY_PROVIDERS/],
    ['not JSON', '{providers', /JSON/],
    ['an array', '[]', /not inventory provider data/],
    ['without requireLiveStock', '{"providers":{}}', /not inventory provider data/],
    ['with a provider that is not an object', '{"providers":{"acme":1},"requireLiveStock":{"skus":[],"prefixes":[]}}', /not inventory provider data/],
    ['with live-stock lists that are not arrays', '{"providers":{},"requireLiveStock":{"skus":"A","prefixes":[]}}', /not inventory provider data/],
  ])('fails the cold start when the inlined data is %s', (_, value, message) => {
    if (value === undefined) delete process.env.STOCKADE_INVENTORY_PROVIDERS;
    else process.env.STOCKADE_INVENTORY_PROVIDERS = value;
    expect(() => inventoryProviders()).toThrow(message);
  });

  it('needs an HMAC secret bound for every provider', () => {
    process.env.STOCKADE_INVENTORY_PROVIDERS = inline('dev');
    delete process.env.STOCKADE_INVENTORY_API_URL;
    const data = inventoryProviders();
    const ids = Object.keys(data.providers);
    process.env.INVENTORY_PROVIDER_SECRET_ARNS = JSON.stringify(Object.fromEntries(ids.map((id) => [id, `arn:aws:secretsmanager:eu-west-1:1:secret:${id}`])));
    expect(Object.keys(inventoryProviderSecretArns(data))).toEqual(ids);
    process.env.INVENTORY_PROVIDER_SECRET_ARNS = '{}';
    expect(() => inventoryProviderSecretArns(data)).toThrow(/no HMAC secret bound/);
  });
});
