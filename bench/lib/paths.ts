import * as path from 'node:path';

/** bench/.out: every benchmark's scratch output (git-ignored). */
export const BENCH_OUT = path.join(__dirname, '..', '.out');
