import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { ShippingAddress } from '../../shared/domain/model/shipping';
import { localCredentials } from '../aws/credentials';
import { signInWithPassword } from '../clients/sign-in';
import { LOCAL_REGION } from '../runtime/intrinsics';
import type { DemoUser } from './demo-users';

/**
 * The demo customers' default shipping address (seeded with PUT /me/address, so a checkout body of `{}` ships here):
 * a made-up recipient at a German address, in the dev stage's EU shipping zone.
 */
export const DEMO_ADDRESS: ShippingAddress = {
  name: 'Dana Demo',
  line1: 'Torstraße 1',
  city: 'Berlin',
  postalCode: '10119',
  country: 'DE',
};

/** Where `npm run demo:purchase` ships its order (a made-up recipient): the fulfilment stand-in receives it with the order. */
export const DEMO_PURCHASE_ADDRESS = {
  name: 'Ada Example',
  line1: 'Stephansplatz 3',
  city: 'Wien',
  postalCode: '1010',
  country: 'AT',
} satisfies ShippingAddress;

/** How `npm run demo:purchase` ships: by express to DEMO_PURCHASE_ADDRESS, so its charge shows in the total and the PaymentIntent. */
export const DEMO_PURCHASE_SHIPPING = { address: DEMO_PURCHASE_ADDRESS, option: 'express' } as const;

/** Saves DEMO_ADDRESS as the demo customer's default shipping address through the API, signed in as them. */
export async function seedDemoAddress(options: { apiUrl: string; cognito: { endpoint: string; clientId: string }; customer: DemoUser }): Promise<void> {
  const client = new CognitoIdentityProviderClient({ endpoint: options.cognito.endpoint, region: LOCAL_REGION, credentials: localCredentials, maxAttempts: 1 });
  try {
    const token = (await signInWithPassword(client, options.cognito.clientId, options.customer)).AccessToken;
    const response = await fetch(`${options.apiUrl}/me/address`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(DEMO_ADDRESS),
    });
    if (response.status !== 200) throw new Error(`Seeding the demo customer's address failed: ${response.status} ${await response.text()}`);
  } finally {
    client.destroy();
  }
}
