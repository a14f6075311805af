// `npm run release -- --dry-run`: builds the published packages, packs them as npm would publish
// them, and checks each tarball; without --dry-run it then publishes them, dependencies first.
// `--pack-destination <dir>` keeps the tarballs (the install test installs them from there).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
/** Published packages, each after the ones it depends on. */
export const PUBLISHED = ['packages/protocol', 'packages/client', 'packages/react'];
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
const destinationIndex = args.indexOf('--pack-destination');
const destination =
  destinationIndex >= 0
    ? resolve(args[destinationIndex + 1])
    : mkdtempSync(join(tmpdir(), 'carechat-release-'));

const manifests = PUBLISHED.map((dir) => JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')));
const problems = manifests.flatMap((manifest) => checkManifest(manifest, manifests));
const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
for (const { name, version } of manifests) {
  if (!changelog.includes(`## ${version}`))
    problems.push(`${name}: CHANGELOG.md has no "## ${version}" section`);
}
fail(problems);

const tarballs = [];
for (const dir of PUBLISHED) {
  run('npm', ['run', 'build'], join(ROOT, dir));
  const packed = run('npm', ['pack', '--json', '--pack-destination', destination], join(ROOT, dir));
  const [info] = JSON.parse(packed);
  fail(checkTarball(info));
  tarballs.push(join(destination, info.filename));
  console.log(`packed ${info.id}: ${info.entryCount} files, ${info.size} bytes`);
}

if (dryRun) {
  console.log(`dry run: nothing published; the tarballs are in ${destination}`);
} else {
  for (const tarball of tarballs) run('npm', ['publish', tarball, '--access', 'public'], ROOT);
}
// The last line, for scripts: the tarballs, in publishing order.
console.log(JSON.stringify({ tarballs }));

/** What a package needs to install and be used outside this repository. */
function checkManifest(manifest, all) {
  const name = manifest.name;
  const problems = [];
  const root = manifest.exports?.['.'];
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
    // Another name could be published under a range; ours are pinned to the version released with it.
    if (sibling && range !== sibling.version) {
      problems.push(`${name}: depends on ${dependency} "${range}", not exactly ${sibling.version}`);
    }
  }
  return problems;
}

/** The tarball holds the build, its types, the manifest and the licence, and nothing else. */
function checkTarball(info) {
  const files = info.files.map((f) => f.path);
  const problems = [];
  const allowed = /^(package\.json|README\.md|LICENSE|dist\/.+\.(js|d\.ts))$/;
  for (const file of files) {
    if (!allowed.test(file)) problems.push(`${info.name}: ships ${file}`);
    if (/(^|\/)(test|tests|__tests__)\/|\.test\./.test(file))
      problems.push(`${info.name}: ships a test, ${file}`);
  }
  for (const needed of ['package.json', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) {
    if (!files.includes(needed)) problems.push(`${info.name}: ${needed} is missing`);
  }
  for (const file of files.filter((f) => f.endsWith('.js'))) {
    if (!files.includes(file.replace(/\.js$/, '.d.ts'))) problems.push(`${info.name}: ${file} has no .d.ts`);
  }
  return problems;
}

function run(command, commandArgs, cwd) {
  const result = spawnSync(command, commandArgs, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? '');
    throw new Error(`${command} ${commandArgs.join(' ')} failed in ${cwd}`);
  }
  return result.stdout;
}

function fail(problems) {
  if (problems.length === 0) return;
  for (const problem of problems) console.error(`release: ${problem}`);
  process.exit(1);
}
