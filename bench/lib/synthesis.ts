import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../../lib/constructs/stockade-function';
import { synthesizeStage } from '../../local/runtime/synth';
import { log } from './progress';

/** Synthesizes `stage` into an emptied `cdkOut`, with the real CDK bundling of every function. */
export async function synthesizeFresh(stage: string, cdkOut: string): Promise<void> {
  rmSync(cdkOut, { recursive: true, force: true });
  log(`Synthesizing stage ${stage} into ${path.relative(PROJECT_ROOT, cdkOut)} (bundles every function)...`);
  await synthesizeStage({ stage, outdir: cdkOut });
}
