// Jest transform: TypeScript and ESM-only packages to CommonJS with esbuild (already the CDK's bundler here).
// Chosen over @swc/jest because swc's platform binaries are not all on the registry this project installs from,
// which leaves package-lock.json incomplete and `npm ci` refusing it.
const { createHash } = require('node:crypto');
const esbuild = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = esbuild.transformSync(source, {
      loader: filename.endsWith('.ts') ? 'ts' : 'js',
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      sourcemap: 'external',
      sourcefile: filename,
    });
    return { code, map };
  },
  getCacheKey(source, filename, { configString }) {
    return createHash('sha256').update(esbuild.version).update(filename).update(source).update(configString).digest('hex');
  },
};
