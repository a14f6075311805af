/** What a published package must be: the rules `npm run release` checks before it packs or publishes. */

export interface Manifest {
  name: string;
  version?: string;
  private?: boolean;
  license?: string;
  engines?: { node?: string };
  exports?: Record<string, unknown>;
  types?: string;
  files?: string[];
  dependencies?: Record<string, string>;
}

/** What `npm pack --json` says of one tarball. */
export interface PackInfo {
  name: string;
  files: Array<{ path: string }>;
}

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** What a package needs to install and be used outside this repository. */
export function checkManifest(manifest: Manifest, all: readonly Manifest[]): string[] {
  const name = manifest.name;
  const problems: string[] = [];
  const root = manifest.exports?.['.'] as { types?: string; default?: string } | undefined;
  if (manifest.private) problems.push(`${name}: is private`);
  if (!SEMVER.test(manifest.version ?? ''))
    problems.push(`${name}: version ${manifest.version} is not semver`);
  if (!manifest.license) problems.push(`${name}: no license`);
  if (!manifest.engines?.node) problems.push(`${name}: no engines.node`);
  if (!root?.types?.startsWith('./dist/') || !root?.default?.startsWith('./dist/')) {
    problems.push(`${name}: exports["."] must give types and default from ./dist/`);
  }
  if (!manifest.types?.startsWith('./dist/')) problems.push(`${name}: types must be in ./dist/`);
  if (JSON.stringify(manifest.files) !== JSON.stringify(['dist']))
    problems.push(`${name}: files must be ["dist"]`);
  for (const [dependency, range] of Object.entries(manifest.dependencies ?? {})) {
    const sibling = all.find((m) => m.name === dependency);
    // A range could resolve to whatever someone else publishes: ours are pinned to the version released with it.
    if (sibling && range !== sibling.version) {
      problems.push(`${name}: depends on ${dependency} "${range}", not exactly ${sibling.version}`);
    }
  }
  return problems;
}

/** All published packages share one version, and the changelog has its section. */
export function checkVersions(manifests: readonly Manifest[], changelog: string): string[] {
  const versions = new Set(manifests.map((m) => m.version));
  const problems = versions.size > 1 ? [`the packages' versions differ: ${[...versions].join(', ')}`] : [];
  for (const { name, version } of manifests) {
    if (!changelog.includes(`\n## ${version}\n`))
      problems.push(`${name}: CHANGELOG.md has no "## ${version}" section`);
  }
  return problems;
}

/** The tarball holds the build, its types, the manifest and the licence, and nothing else. */
export function checkTarball(info: PackInfo): string[] {
  const files = info.files.map((f) => f.path);
  const problems: string[] = [];
  const allowed = /^(package\.json|README\.md|LICENSE|dist\/.+\.(js|d\.ts))$/;
  for (const file of files) {
    if (/(^|\/)(test|tests|__tests__)\/|\.test\./.test(file))
      problems.push(`${info.name}: ships a test, ${file}`);
    else if (!allowed.test(file)) problems.push(`${info.name}: ships ${file}`);
  }
  for (const needed of ['package.json', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) {
    if (!files.includes(needed)) problems.push(`${info.name}: ${needed} is missing`);
  }
  for (const file of files.filter((f) => f.endsWith('.js'))) {
    if (!files.includes(file.replace(/\.js$/, '.d.ts'))) problems.push(`${info.name}: ${file} has no .d.ts`);
  }
  return problems;
}
