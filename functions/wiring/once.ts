/** The value `make` returns on its first call, returned again on every later call (one client per cold start). */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
