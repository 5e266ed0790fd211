import { fuzzStockade } from '../fuzz/stockade-fuzz';

/**
 * Property-based HTTP fuzzing of the runtime the e2e project shares: at least 10,000 requests built from every
 * route's zod schemas and the hostile dictionaries (test/fuzz), anonymous and as every demo user, each answer held
 * to the invariants (no 5xx, problem+json 4xx, no leaks, the access rules), then nothing written for a refused
 * request and nothing secret in the function logs. Prints the seed (FUZZ_SEED replays it) and the figures; a
 * failure names the exact request. `npm run fuzz` runs the same suite on its own.
 */
const REQUESTS = Math.max(10_000, Number(process.env.FUZZ_REQUESTS ?? 10_000));

describe('HTTP fuzzing of every route', () => {
  it(`keeps every invariant over ${REQUESTS} generated requests`, async () => {
    const lines: string[] = [];
    const result = await fuzzStockade({
      endpointsFile: process.env.STOCKADE_ENDPOINTS as string,
      ...(process.env.STOCKADE_TEST_CDK_OUT ? { cdkOut: process.env.STOCKADE_TEST_CDK_OUT } : {}),
      requests: REQUESTS,
      // Other e2e files share this runtime: eight in flight keeps it busy without starving them.
      concurrency: 8,
      progress: (line) => lines.push(line),
    });
    console.log([...lines.filter((l) => !/ requests, \d+ req\/s/.test(l)), result.summary].join('\n'));
    if (result.failures) throw new Error(result.failures);
    expect(result.report.records.filter((r) => r?.status !== undefined)).toHaveLength(REQUESTS);
  }, 600_000);
});
