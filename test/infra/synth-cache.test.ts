import type { StockadeStage } from '../../lib/app';
import { buildStage, synthStage } from './synth-stage';

/**
 * The infra suites read a stage synthesized once per test run (synthStage keeps the assembly on disk). What they read
 * must be what a synthesis gives now: every stack's template, the stack names and the findings, for the stage with
 * the most stacks.
 */
describe('the synthesized-stage cache', () => {
  it("gives the same templates, stack names and findings as a synthesis of today's sources (prod)", () => {
    const cached = synthStage('prod');
    const fresh = buildStage('prod');
    expect(cached.outdir).not.toBe(fresh.outdir);
    expect(cached.stackNames).toEqual(fresh.stackNames);
    expect(Object.keys(fresh.stackNames)).toContain('cdn');
    for (const key of Object.keys(fresh.stackNames) as Array<keyof StockadeStage>) {
      expect({ key, template: cached.templateOf(key)?.toJSON() }).toEqual({ key, template: fresh.templateOf(key)?.toJSON() });
    }
    expect(cached.findings).toEqual(fresh.findings);
  });
});
