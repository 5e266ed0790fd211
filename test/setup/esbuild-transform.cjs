// Jest transform: TypeScript and ESM-only packages to CommonJS with esbuild (already the CDK's bundler here).
// Chosen over @swc/jest because swc's platform binaries are not all on the registry this project installs from,
// which leaves package-lock.json incomplete and `npm ci` refusing it.
const { createHash } = require('node:crypto');
const { pathToFileURL } = require('node:url');
const esbuild = require('esbuild');

/** Bump when the options below change, so jest's cache does not serve code transformed the old way. */
const TRANSFORM_OPTIONS_VERSION = '2';

module.exports = {
  process(source, filename) {
    const { code, map } = esbuild.transformSync(source, {
      loader: filename.endsWith('.ts') ? 'ts' : 'js',
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      sourcemap: 'external',
      sourcefile: filename,
      // ESM packages that locate their own files (e.g. @seriousme/openapi-schema-validator's schemas) keep working as CommonJS.
      define: { 'import.meta.url': JSON.stringify(pathToFileURL(filename).href) },
    });
    return { code, map };
  },
  getCacheKey(source, filename, { configString }) {
    return createHash('sha256').update(esbuild.version).update(TRANSFORM_OPTIONS_VERSION).update(filename).update(source).update(configString).digest('hex');
  },
};
