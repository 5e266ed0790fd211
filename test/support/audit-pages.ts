import type { ApiResponse } from './api';

type Entry = Record<string, unknown>;
type Call = (method: string, path: string, token?: string) => Promise<ApiResponse>;

/**
 * GET /admin/audit as an admin, newest first, page after page until `complete` holds for what was read (or the pages
 * run out, or `pages` were read). Every suite shares the runtime, and the fuzz suite alone audits thousands of refused
 * requests, so a test's own entries are not always on the first page; read this way, they are found wherever they are.
 */
export async function auditUntil(call: Call, adminToken: string, complete: (entries: readonly Entry[]) => boolean, pages = 20): Promise<Entry[]> {
  const entries: Entry[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < pages; page++) {
    const listed = await call('GET', `/admin/audit?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, adminToken);
    if (listed.status !== 200) throw new Error(`GET /admin/audit answered ${listed.status}: ${JSON.stringify(listed.body)}`);
    entries.push(...((listed.body.items ?? []) as Entry[]));
    cursor = listed.body.nextCursor as string | undefined;
    if (!cursor || complete(entries)) break;
  }
  return entries;
}
