import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { SmokeConfigurationError, stageTarget } from '../../../local/clients/purchase-targets';

const STAGE = 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1';
const ENV = {
  STOCKADE_SMOKE_USERNAME: 'smoke@example.com',
  STOCKADE_SMOKE_PASSWORD: 'Correct-horse-9!',
  STOCKADE_SMOKE_COGNITO_CLIENT_ID: 'client123',
  STOCKADE_SMOKE_STRIPE_KEY: 'sk_test_123',
};

describe('npm run smoke against a deployed stage: configuration', () => {
  it('runs in Stripe test mode only: a live key is refused, and the message never quotes it', () => {
    for (const key of ['sk_live_abc', 'rk_live_abc']) {
      const refusal = () => stageTarget(STAGE, { ...ENV, STOCKADE_SMOKE_STRIPE_KEY: key });
      expect(refusal).toThrow(SmokeConfigurationError);
      expect(refusal).toThrow(/is a live Stripe key: the smoke test runs in Stripe test mode only/);
      expect(refusal).not.toThrow(/abc/);
    }
    expect(() => stageTarget(STAGE, { ...ENV, STOCKADE_SMOKE_STRIPE_KEY: 'pk_test_abc' })).toThrow(/not a Stripe test secret key/);
    expect(stageTarget(STAGE, { ...ENV, STOCKADE_SMOKE_STRIPE_KEY: 'rk_test_abc' }).apiUrl).toBe(STAGE);
  });

  it('names every missing variable', () => {
    expect(() => stageTarget(STAGE, { STOCKADE_SMOKE_STRIPE_KEY: 'sk_test_1' })).toThrow(
      'set STOCKADE_SMOKE_USERNAME, STOCKADE_SMOKE_PASSWORD, STOCKADE_SMOKE_COGNITO_CLIENT_ID to run the smoke test against ' + STAGE,
    );
  });

  it("takes the pool's region from the API's host, else from STOCKADE_SMOKE_REGION or AWS_REGION", () => {
    expect(stageTarget(STAGE, ENV).description).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/v1 (Stripe test mode)');
    expect(() => stageTarget('https://api.shop.example.com/v1', ENV)).toThrow(/set STOCKADE_SMOKE_REGION/);
    expect(() => stageTarget('https://api.shop.example.com/v1', { ...ENV, AWS_REGION: 'eu-west-1' })).not.toThrow();
    expect(() => stageTarget('not a url', ENV)).toThrow(/is not a URL/);
  });

  it('the CLI exits 2 when it cannot run as configured and 1 naming the step that broke', async () => {
    const run = (args: string[], env: Record<string, string>) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'local/cli/smoke.ts', ...args], {
        cwd: path.join(__dirname, '../../..'),
        env: { PATH: process.env.PATH ?? '', ...env },
      }).then(
        (ok) => ({ code: 0, out: ok.stdout, err: ok.stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, out: error.stdout, err: error.stderr }),
      );
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const [unconfigured, unreachable] = await Promise.all([
      run(['--api-url', STAGE], {}),
      run(['--api-url', `http://127.0.0.1:${closedPort}/v1`, '--timeout', '10'], { ...ENV, STOCKADE_SMOKE_REGION: 'eu-west-1' }),
    ]);
    expect(unconfigured).toMatchObject({ code: 2, err: expect.stringMatching(/^smoke: set STOCKADE_SMOKE_USERNAME, /) });
    expect(unreachable.code).toBe(1);
    expect(unreachable.out).toContain(`GET /health: could not reach 127.0.0.1:${closedPort} (ECONNREFUSED)`);
    expect(unreachable.out).toMatch(/^smoke FAILED at step "health" after \d+\.\d s: GET \/health: could not reach /m);
    expect(unreachable.out + unreachable.err).not.toMatch(/smoke@example\.com|Correct-horse|sk_test_123/);
  }, 30_000);
});
