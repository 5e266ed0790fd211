/**
 * Tags that carry meaning beyond billing: the local runtime reads them from the synthesized template to give each
 * secret a local value that the local stand-ins agree on. Kept free of CDK imports so the runtime can load them.
 */
export const SECRET_KIND_TAG = 'stockade:secret-kind';
/** On inventory-provider secrets: the provider id of POST /webhooks/inventory/{providerId}. */
export const PROVIDER_ID_TAG = 'stockade:provider-id';

export type SecretKind = 'stripe-api-key' | 'stripe-webhook-secrets' | 'inventory-provider-hmac' | 'cursor-signing-key' | 'fulfilment-api-key';

/**
 * Metadata on a function role's managed policy: the grants a run of the test suite may leave unused, each with the
 * reason it stays (StockadeFunction.keepGrant). `npm run iam:report` lists them apart from the unused grants that
 * nobody has explained, and `--strict` fails on the latter.
 */
export const KEPT_GRANTS_METADATA = 'stockade:kept-grants';

/** One entry of KEPT_GRANTS_METADATA: actions and resources (IAM patterns) that stay granted, and why. */
export interface KeptGrant {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly reason: string;
}
