import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { benchCommand, integerOption } from '../lib/cli-options';
import { type BenchStageOptions, benchDirectories } from '../lib/local-runtime';
import { BENCH_OUT } from '../lib/paths';
import { MAX_STOCK_SHARDS } from '../../shared/domain/inventory/stock-shards';

/** Where the scale benchmark synthesizes the stage and keeps its own local runtime's state. */
export const SCALE_DIRECTORIES = benchDirectories(path.join(BENCH_OUT, 'scale'));

export interface ScaleOptions extends BenchStageOptions {
  readonly orders: number;
  readonly concurrency: number;
  readonly skus: number;
  readonly customers: number;
  /** Zipf exponent of SKU popularity, in hundredths (110: s = 1.1). */
  readonly zipfHundredths: number;
  readonly seed: number;
  /** Concurrent reservations of the one hot SKU. */
  readonly hot: number;
  /** Stock shards of the hot SKU (run beside the same SKU with one). */
  readonly shards: number;
  readonly timeoutSeconds: number;
  readonly command: string;
}

/** The command line of `npm run bench:scale`, checked. */
export function scaleOptions(): ScaleOptions {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '12' },
      skus: { type: 'string', default: '1200' },
      customers: { type: 'string', default: '60' },
      zipf: { type: 'string', default: '110' },
      seed: { type: 'string', default: '12' },
      hot: { type: 'string', default: '400' },
      shards: { type: 'string', default: '8' },
      timeout: { type: 'string', default: '900' },
      // Black Friday is prod's: its shard counts (orders.statusShards 64) are the ones the headline is about.
      stage: { type: 'string', default: 'prod' },
      'no-synth': { type: 'boolean', default: false },
    },
  });
  return {
    orders: integerOption('orders', values.orders, 1, 20_000),
    concurrency: integerOption('concurrency', values.concurrency, 1, 64),
    skus: integerOption('skus', values.skus, 10, 20_000),
    customers: integerOption('customers', values.customers, 1, 1_000),
    zipfHundredths: integerOption('zipf', values.zipf, 0, 300),
    seed: integerOption('seed', values.seed, 0, 2 ** 31 - 1),
    hot: integerOption('hot', values.hot, 2, 5_000),
    shards: integerOption('shards', values.shards, 1, MAX_STOCK_SHARDS),
    timeoutSeconds: integerOption('timeout', values.timeout, 30, 7_200),
    stage: values.stage,
    synth: !values['no-synth'],
    command: benchCommand('bench:scale'),
  };
}
