import { createHash } from 'node:crypto';

/**
 * HTTP caching of public reads (RFC 9111 Cache-Control, RFC 9110 ETag and If-None-Match): a public answer carries a
 * strong ETag over its exact body bytes and a Cache-Control a shared cache (the CDN, a browser) may follow; a request
 * whose If-None-Match names that ETag is answered 304 with no body. Everything else is never stored (no-store).
 */

/** How long a shared cache may serve a public answer, and how much longer while it revalidates in the background. */
export interface PublicCachePolicy {
  readonly maxAgeSeconds: number;
  /** RFC 5861 stale-while-revalidate; 0 leaves the directive out. */
  readonly staleWhileRevalidateSeconds: number;
}

/** What every answer that is personal, an error or a write says: no cache may keep it. */
export const NO_STORE = 'no-store';

/** The Cache-Control value of a public answer under `policy`. */
export function publicCacheControl(policy: PublicCachePolicy): string {
  const swr = policy.staleWhileRevalidateSeconds > 0 ? `, stale-while-revalidate=${policy.staleWhileRevalidateSeconds}` : '';
  return `public, max-age=${policy.maxAgeSeconds}${swr}`;
}

/**
 * A strong entity tag of a body: its SHA-256, base64url, quoted. Two answers with the same bytes share a tag, any
 * changed byte (a price, the available stock) changes it.
 */
export function strongEtag(body: string): string {
  return `"${createHash('sha256').update(body, 'utf8').digest('base64url')}"`;
}

/** The opaque part of an entity tag, without its weakness marker: W/"x" and "x" compare equal under weak comparison. */
function opaqueTag(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/**
 * Whether If-None-Match matches the current entity tag (RFC 9110 13.1.2): `*` matches any current representation; a
 * list matches when one of its members equals `etag` by weak comparison. Members are split on commas outside quotes;
 * an unquoted or malformed member matches nothing, so a bad header costs a full answer, never a wrong 304.
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = header.trim();
  if (value === '*') return true;
  const current = opaqueTag(etag);
  const members = value.match(/(?:W\/)?"[^"]*"/g) ?? [];
  return members.some((member) => opaqueTag(member) === current);
}
