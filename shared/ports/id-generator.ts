/** A new unique identifier, sortable by creation time (ULIDs in Lambda, counters in tests). */
export type IdGenerator = () => string;
