/**
 * Tags that carry meaning beyond billing: the local runtime reads them from the synthesized template to give each
 * secret a local value that the local stand-ins agree on. Kept free of CDK imports so the runtime can load them.
 */
export const SECRET_KIND_TAG = 'stockade:secret-kind';
/** On inventory-provider secrets: the provider id of POST /webhooks/inventory/{providerId}. */
export const PROVIDER_ID_TAG = 'stockade:provider-id';

export type SecretKind = 'stripe-api-key' | 'stripe-webhook-secrets' | 'inventory-provider-hmac' | 'cursor-signing-key' | 'fulfilment-api-key';
