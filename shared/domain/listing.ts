import type { CursorCodec, ListPosition, PositionedPage } from '../ports/cursor-codec';

/** A page as the API returns it: the items and, when more follow, the opaque cursor of the next page. */
export interface ListPage<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

/**
 * The one way a listing pages: the client's cursor is checked against the listing's scope (what is listed, for whom,
 * with which filters), the repository reads from that position, and the next position goes back out signed for the
 * same scope. A cursor from another listing, another caller or other filters is a ValidationError (400).
 */
export async function listPage<T, V>(
  cursors: CursorCodec,
  request: { scope: string; cursor?: string | undefined },
  read: (after: ListPosition | undefined) => Promise<PositionedPage<T>>,
  view: (item: T) => V,
): Promise<ListPage<V>> {
  const after = request.cursor ? await cursors.decode(request.cursor, request.scope) : undefined;
  const page = await read(after);
  return { items: page.items.map(view), ...(page.next ? { nextCursor: await cursors.encode(page.next, request.scope) } : {}) };
}
