/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

/** ESM-only packages that jest (CommonJS) must transform. */
const esmPackages = ['@middy', 'fauxqs', '@seriousme'];

const transform: Config['transform'] = {
  '^.+\\.(t|j|mj)s$': '<rootDir>/test/setup/esbuild-transform.cjs',
};

const common = {
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  setupFiles: ['<rootDir>/test/setup/environment.ts'],
} satisfies Partial<Config>;

const config: Config = {
  // Infra tests synthesize whole apps; integration/e2e share emulators. Two workers fit a 2-core machine.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/setup/summary-reporter.cjs'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup/emulator-timeout.ts'],
      globalSetup: '<rootDir>/test/setup/runtime-global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/runtime-global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      // Every response a test receives is checked against docs/openapi.json (issue 14).
      setupFilesAfterEnv: ['<rootDir>/test/setup/emulator-timeout.ts', '<rootDir>/test/setup/e2e-openapi-responses.ts'],
      globalSetup: '<rootDir>/test/setup/runtime-global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/runtime-global-teardown.ts',
    },
  ],
};

export default config;
