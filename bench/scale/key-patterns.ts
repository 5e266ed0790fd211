/**
 * Key patterns: a partition key with its identifiers replaced by placeholders (`ORDER#01J…` → `ORDER#<orderId>`,
 * `AUDIT#2026-12` → `AUDIT#<yyyy-mm>`), so the partitions of one access pattern are counted together, and the
 * pattern's scope: whose traffic lands on one of its partitions.
 */

/**
 * - `order`: each order brings its own partitions (its order, hold, payment, events, idempotency record), so no
 *   order rate reaches their limit;
 * - `customer`: one customer's orders share it: the rate scales with the number of customers;
 * - `catalog`: a SKU's or product's: every order of that item shares it, the popular ones most;
 * - `shared`: one key (or a handful: a vendor, a provider, a month, a status) that orders share.
 */
export type KeyScope = 'order' | 'customer' | 'catalog' | 'shared';

export interface KeyPattern {
  readonly pattern: string;
  readonly scope: KeyScope;
}

/**
 * The placeholder for the identifier that follows each prefix, and which scope it gives the key. A prefix may name
 * fixed words to keep before its identifier (`OUTBOX#PENDING#<providerId>`); `EVENT#<provider>#<eventId>` keeps the
 * provider and replaces the event.
 */
const PREFIXES: Readonly<Record<string, { placeholders: readonly string[]; scope: KeyScope }>> = {
  ORDER: { placeholders: ['<orderId>'], scope: 'order' },
  HOLD: { placeholders: ['<orderId>'], scope: 'order' },
  PI: { placeholders: ['<paymentIntentId>'], scope: 'order' },
  EVENT: { placeholders: ['', '<eventId>'], scope: 'order' },
  CHECKOUT: { placeholders: ['<customerId>', '<idempotencyKey>'], scope: 'order' },
  CUSTOMER: { placeholders: ['<customerId>'], scope: 'customer' },
  CART: { placeholders: ['<customerId>'], scope: 'customer' },
  ACTOR: { placeholders: ['<userId>'], scope: 'customer' },
  SKU: { placeholders: ['<sku>'], scope: 'catalog' },
  // A flash-sale SKU's stock shards beyond shard 0 (the SKU item): STOCK#<sku>#<shard>, each its own partition.
  STOCK: { placeholders: ['<sku>', '<shard>'], scope: 'catalog' },
  LEDGER: { placeholders: ['<sku>'], scope: 'catalog' },
  PRODUCT: { placeholders: ['<productId>'], scope: 'catalog' },
  // A vendor's order views are write-sharded like the status keys (VENDOR#<vendorId>#<shard>); its products are not.
  VENDOR: { placeholders: ['<vendorId>', '<shard>'], scope: 'shared' },
  PROVIDER: { placeholders: ['<providerId>'], scope: 'shared' },
  OUTBOX: { placeholders: ['<providerId>'], scope: 'shared' },
  QUARANTINE: { placeholders: ['<providerId>'], scope: 'shared' },
  // The orders' byStatus index is write-sharded (STATUS#<status>#<shard>, docs/data-model.md): the status word stays,
  // the shard is grouped, and the pattern shows its hottest shard. A key of a status alone (the catalog's
  // STATUS#ACTIVE) is a constant key and stays as it is.
  STATUS: { placeholders: ['<shard>'], scope: 'shared' },
  // The audit trail's month partitions and chain heads are per shard (docs/data-model.md): one shard's traffic each.
  AUDIT: { placeholders: ['<yyyy-mm>', '<shard>'], scope: 'shared' },
  AUDITHEAD: { placeholders: ['<shard>'], scope: 'shared' },
  AUDITANCHOR: { placeholders: ['<shard>'], scope: 'shared' },
};

/** Scopes from the narrowest traffic to the widest: a key takes the narrowest one any of its parts gives it. */
const NARROWEST: readonly KeyScope[] = ['order', 'customer', 'catalog', 'shared'];

/** Identifier shapes replaced wherever they stand, with the scope they give the key. */
const SHAPES: ReadonlyArray<{ test: RegExp; placeholder: string; scope: KeyScope }> = [
  { test: /^[0-9A-HJKMNP-TV-Z]{26}$/, placeholder: '<ulid>', scope: 'shared' },
  { test: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, placeholder: '<uuid>', scope: 'shared' },
  // Powertools idempotency records: <function name>#<MD5 of the idempotency key> (hex or base64), one per request.
  { test: /^(?:[0-9a-f]{32}|[A-Za-z0-9+/]{22}==)$/, placeholder: '<hash>', scope: 'order' },
  { test: /^\d{4}-\d{2}-\d{2}T[\d:.]+Z?$/, placeholder: '<time>', scope: 'shared' },
  { test: /^\d{4}-\d{2}-\d{2}$/, placeholder: '<yyyy-mm-dd>', scope: 'shared' },
  { test: /^\d{4}-\d{2}$/, placeholder: '<yyyy-mm>', scope: 'shared' },
];

/** A fixed word of a key (a status, a state): upper-case letters and underscores, not an identifier. */
const isWord = (segment: string) => /^[A-Z][A-Z_]*$/.test(segment) && !SHAPES[0]?.test.test(segment);

/** Constant keys that are write-sharded (`<key>#<n>`): each shard takes a share of everyone's traffic. */
const SHARDED_CONSTANTS: readonly string[] = ['HOLD#ACTIVE'];

/** The pattern of one partition key value, and its scope. */
export function keyPattern(key: string): KeyPattern {
  const sharded = SHARDED_CONSTANTS.find((constant) => key.startsWith(`${constant}#`) && /^\d+$/.test(key.slice(constant.length + 1)));
  if (sharded) return { pattern: `${sharded}#<shard>`, scope: 'shared' };
  const segments = key.split('#');
  const out: string[] = [];
  const scopes = new Set<KeyScope>();
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const prefix = PREFIXES[segment];
    // A prefix followed only by a fixed word is a constant key (HOLD#ACTIVE), not a prefix and its identifier.
    const constant = i + 2 === segments.length && isWord(segments[i + 1] as string);
    if (prefix && i + 1 < segments.length && !constant) {
      out.push(segment);
      // Fixed words between the prefix and its identifier stay (OUTBOX#PENDING#<providerId>, STATUS-like words).
      while (i + 1 < segments.length - 1 && isWord(segments[i + 1] as string)) out.push(segments[++i] as string);
      for (const placeholder of prefix.placeholders) {
        if (i + 1 >= segments.length) break;
        i += 1;
        out.push(placeholder === '' ? (segments[i] as string) : placeholder);
      }
      scopes.add(prefix.scope);
      continue;
    }
    const shape = SHAPES.find((s) => s.test.test(segment));
    if (shape) {
      out.push(shape.placeholder);
      scopes.add(shape.scope);
    } else {
      out.push(segment);
    }
  }
  const scope = NARROWEST.find((s) => scopes.has(s)) ?? 'shared';
  return { pattern: out.join('#'), scope };
}
