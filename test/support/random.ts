/** The seeded PRNG the benchmarks draw their workloads from: one definition for tests and benchmarks. */
export { mulberry32 } from '../../bench/lib/seeded-random';
