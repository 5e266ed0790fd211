import { parseArgs } from 'node:util';
import { benchCommand, integerOption } from '../lib/cli-options';

export interface ColdStartOptions {
  readonly runs: number;
  readonly stage: string;
  readonly command: string;
}

/** The command line of `npm run bench:cold-start`, checked. */
export function coldStartOptions(): ColdStartOptions {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, stage: { type: 'string', default: 'dev' } } });
  return { runs: integerOption('runs', values.runs, 1, 100), stage: values.stage, command: benchCommand('bench:cold-start') };
}
