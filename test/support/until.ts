/**
 * Polls `probe` until it yields a value (not undefined), for what a test waits on asynchronously (a webhook applied,
 * a queue drained); fails with `what` once `timeoutMs` has passed.
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
