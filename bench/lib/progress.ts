/** A progress line on stderr: stdout carries only the report. */
export const log = (line: string) => process.stderr.write(`${line}\n`);

/** Whole seconds since `startedAt` (a Date.now() value), for progress lines. */
export const secondsSince = (startedAt: number) => ((Date.now() - startedAt) / 1000).toFixed(0);
