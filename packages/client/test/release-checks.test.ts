import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkManifest,
  checkTarball,
  checkVersions,
  type Manifest,
} from '../../../scripts/release-checks.js';
import { REPO_ROOT } from './helpers/scratch-project.js';

/** The rules `npm run release` checks before packing and publishing (scripts/release-checks.ts). */

const manifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as Manifest;
const published = ['packages/protocol', 'packages/client', 'packages/react'].map(manifest);
const changelog = readFileSync(join(REPO_ROOT, 'CHANGELOG.md'), 'utf8');

describe('release checks', () => {
  it('pass for the packages as they are, with one version and its changelog section', () => {
    expect(published.flatMap((m) => checkManifest(m, published))).toEqual([]);
    expect(checkVersions(published, changelog)).toEqual([]);
  });

  it('refuse a private package, a loose version of a sibling, sources as exports and missing fields', () => {
    const [protocol, client] = published as [Manifest, Manifest];
    const broken: Manifest = {
      ...client,
      private: true,
      version: 'next',
      license: undefined,
      engines: {},
      exports: { '.': './src/index.ts' },
      types: './src/index.ts',
      files: ['dist', 'test'],
      dependencies: { '@carechat/protocol': '*' },
    };
    expect(checkManifest(broken, [protocol, broken])).toEqual([
      '@carechat/client: is private',
      '@carechat/client: version next is not semver',
      '@carechat/client: no license',
      '@carechat/client: no engines.node',
      '@carechat/client: exports["."] must give types and default from ./dist/',
      '@carechat/client: types must be in ./dist/',
      '@carechat/client: files must be ["dist"]',
      `@carechat/client: depends on @carechat/protocol "*", not exactly ${protocol.version}`,
    ]);
  });

  it('refuse versions that differ, or one the changelog does not describe', () => {
    const [protocol, client] = published as [Manifest, Manifest];
    expect(checkVersions([protocol, { ...client, version: '9.9.9' }], changelog)).toEqual([
      `the packages' versions differ: ${protocol.version}, 9.9.9`,
      '@carechat/client: CHANGELOG.md has no "## 9.9.9" section',
    ]);
  });

  it('refuse a tarball with tests, sources or a build without types', () => {
    const files = (...paths: string[]) => paths.map((path) => ({ path }));
    expect(
      checkTarball({
        name: '@carechat/client',
        files: files(
          'package.json',
          'LICENSE',
          'dist/index.js',
          'dist/index.d.ts',
          'dist/extra.js',
          'src/index.ts',
          'test/a.test.ts',
        ),
      }),
    ).toEqual([
      '@carechat/client: ships src/index.ts',
      '@carechat/client: ships a test, test/a.test.ts',
      '@carechat/client: dist/extra.js has no .d.ts',
    ]);
    expect(checkTarball({ name: '@carechat/react', files: files('package.json', 'dist/hooks.js') })).toEqual([
      '@carechat/react: LICENSE is missing',
      '@carechat/react: dist/index.js is missing',
      '@carechat/react: dist/index.d.ts is missing',
      '@carechat/react: dist/hooks.js has no .d.ts',
    ]);
  });
});
