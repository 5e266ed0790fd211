/** Where a listing stopped: the repository's own key of the last item returned, opaque to everyone else. */
export type ListPosition = Readonly<Record<string, string>>;

/** Turns positions into the opaque cursors clients page with, each valid only for the listing (and caller) it was issued for. */
export interface CursorCodec {
  encode(position: ListPosition, scope: string): Promise<string>;
  /** ValidationError when the cursor was not issued by this API for this scope, or was altered. */
  decode(cursor: string, scope: string): Promise<ListPosition>;
}

/** One page of a listing, in the repository's terms. */
export interface PositionedPage<T> {
  readonly items: readonly T[];
  readonly next?: ListPosition;
}
