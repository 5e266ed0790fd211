/** A figure with `digits` decimals, or a dash when there is none (NaN, e.g. the median of no samples). */
export const num = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

/** Milliseconds (or any figure) with one decimal, or a dash. */
export const ms = (n: number) => num(n, 1);

/** US dollars: five decimals below a cent, four above. */
export const usd = (n: number) => `$${n < 0.01 ? n.toFixed(5) : n.toFixed(4)}`;

/** A byte count with thousands separators. */
export const bytes = (n: number) => n.toLocaleString('en-US');

/** A size in bytes below 1 KiB, in KiB with one decimal above. */
export const size = (n: number) => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);
