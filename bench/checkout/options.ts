import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { benchCommand, integerOption } from '../lib/cli-options';
import { type BenchStageOptions, benchDirectories } from '../lib/local-runtime';
import { BENCH_OUT } from '../lib/paths';

/** Where the checkout benchmark synthesizes the stage and keeps the local runtime's state. */
export const CHECKOUT_DIRECTORIES = benchDirectories(path.join(BENCH_OUT, 'checkout'));

export interface CheckoutOptions extends BenchStageOptions {
  readonly orders: number;
  readonly concurrency: number;
  readonly paid: number;
  readonly capacity: number;
  readonly transactions: number;
  readonly timeoutSeconds: number;
  readonly command: string;
}

/** The command line of `npm run bench:checkout`, checked. */
export function checkoutOptions(): CheckoutOptions {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '16' },
      paid: { type: 'string', default: '5' },
      capacity: { type: 'string', default: '5' },
      transactions: { type: 'string', default: '1000' },
      timeout: { type: 'string', default: '180' },
      stage: { type: 'string', default: 'dev' },
      'no-synth': { type: 'boolean', default: false },
    },
  });
  return {
    orders: integerOption('orders', values.orders, 1, 5_000),
    concurrency: integerOption('concurrency', values.concurrency, 1, 64),
    paid: integerOption('paid', values.paid, 1, 20),
    capacity: integerOption('capacity', values.capacity, 1, 50),
    transactions: integerOption('transactions', values.transactions, 1, 10_000),
    timeoutSeconds: integerOption('timeout', values.timeout, 10, 600),
    stage: values.stage,
    synth: !values['no-synth'],
    command: benchCommand('bench:checkout'),
  };
}
