import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { BROWSER_BUDGET_BYTES, bundledInputs } from './helpers/bundle-budget.js';

const ENTRY = fileURLToPath(new URL('../src/index.ts', import.meta.url));

/** What the SDK adds to a web page, from its sources (the published build: packages-install.test.ts). */
describe('the SDK in a browser bundle', () => {
  it(`is under ${BROWSER_BUDGET_BYTES / 1024} KB minified and gzipped, with no schema library in it`, async () => {
    const result = await build({
      entryPoints: [ENTRY],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      conditions: ['@carechat/source'],
      write: false,
      metafile: true,
    });
    const bundled = bundledInputs(result.metafile);
    expect(bundled.filter((path) => path.includes('node_modules'))).toEqual([]);
    const gzipped = gzipSync(result.outputFiles[0]!.contents, { level: 9 }).length;
    expect(gzipped).toBeLessThan(BROWSER_BUDGET_BYTES);
  });
});
