import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DemoUser } from './demo-users';
import { signInWithPassword } from '../clients/sign-in';
import { LOCAL_REGION } from '../runtime/intrinsics';
import { localCredentials } from '../aws/credentials';

interface DemoProduct {
  readonly name: string;
  readonly description: string;
  readonly skus: ReadonlyArray<{ sku: string; name: string; price: { amount: number; currency: string }; initialStock: number }>;
}

const eur = (amount: number) => ({ amount, currency: 'EUR' });

/** Two small shops, so that listings, vendor filters and (later) multi-vendor orders have something to show. */
const SHOPS: Record<'vendor' | 'vendor2', DemoProduct[]> = {
  vendor: [
    {
      name: 'Stoneware mug',
      description: 'Wheel-thrown, 350 ml, dishwasher safe.',
      skus: [
        { sku: 'MUG-SLATE', name: 'Slate', price: eur(1800), initialStock: 40 },
        { sku: 'MUG-SAND', name: 'Sand', price: eur(1800), initialStock: 25 },
      ],
    },
    {
      name: 'Tea bowl',
      description: 'Chawan for matcha, each one slightly different.',
      skus: [{ sku: 'BOWL-TENMOKU', name: 'Tenmoku glaze', price: eur(4200), initialStock: 8 }],
    },
    { name: 'Serving plate', description: 'Large oval plate, 34 cm.', skus: [{ sku: 'PLATE-OVAL-L', name: 'Large', price: eur(5600), initialStock: 5 }] },
  ],
  vendor2: [
    {
      name: 'Linen apron',
      description: 'Stonewashed linen with a leather strap.',
      skus: [
        { sku: 'APRON-OLIVE', name: 'Olive', price: eur(3900), initialStock: 30 },
        { sku: 'APRON-RUST', name: 'Rust', price: eur(3900), initialStock: 0 },
      ],
    },
    {
      name: 'Beeswax candle',
      description: 'Hand-dipped pair, burns 8 hours.',
      skus: [{ sku: 'CANDLE-PAIR', name: 'Pair', price: eur(1450), initialStock: 120 }],
    },
    {
      name: 'Oak chopping board',
      description: 'End grain, oiled.',
      skus: [
        { sku: 'BOARD-OAK-M', name: 'Medium', price: eur(6500), initialStock: 12 },
        { sku: 'BOARD-OAK-L', name: 'Large', price: eur(8900), initialStock: 4 },
      ],
    },
  ],
};

/** Seeds the demo catalog through the API, signed in as each demo vendor with their authenticator code. */
export async function seedDemoCatalog(options: {
  apiUrl: string;
  cognito: { endpoint: string; clientId: string };
  vendors: Record<'vendor' | 'vendor2', DemoUser>;
}): Promise<number> {
  const client = new CognitoIdentityProviderClient({ endpoint: options.cognito.endpoint, region: LOCAL_REGION, credentials: localCredentials, maxAttempts: 1 });
  let created = 0;
  try {
    for (const shop of ['vendor', 'vendor2'] as const) {
      const user = options.vendors[shop];
      const token = (await signInWithPassword(client, options.cognito.clientId, user)).AccessToken;
      for (const product of SHOPS[shop]) {
        const response = await fetch(`${options.apiUrl}/vendor/products`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(product),
        });
        if (response.status !== 201) throw new Error(`Seeding "${product.name}" failed: ${response.status} ${await response.text()}`);
        created += 1;
      }
    }
    return created;
  } finally {
    client.destroy();
  }
}
