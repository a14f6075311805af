// `npm run release -- --dry-run`: builds the published packages, packs them as npm would publish
// them, and checks each tarball; without --dry-run it then publishes them, dependencies first.
// `--pack-destination <dir>` keeps the tarballs (the install test installs them from there).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  checkManifest,
  checkTarball,
  checkVersions,
  type Manifest,
  type PackInfo,
} from './release-checks.js';

const ROOT = resolve(import.meta.dirname, '..');
/** Published packages, each after the ones it depends on. */
const PUBLISHED = ['packages/protocol', 'packages/client', 'packages/react'];

const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
const destinationIndex = args.indexOf('--pack-destination');
const destination =
  destinationIndex >= 0
    ? resolve(args[destinationIndex + 1] ?? '.')
    : mkdtempSync(join(tmpdir(), 'carechat-release-'));

const manifests = PUBLISHED.map(
  (dir) => JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Manifest,
);
fail([
  ...manifests.flatMap((manifest) => checkManifest(manifest, manifests)),
  ...checkVersions(manifests, readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')),
]);

const tarballs: string[] = [];
for (const dir of PUBLISHED) {
  run('npm', ['run', 'build'], join(ROOT, dir));
  const packed = run('npm', ['pack', '--json', '--pack-destination', destination], join(ROOT, dir));
  const [info] = JSON.parse(packed) as Array<
    PackInfo & { id: string; filename: string; entryCount: number; size: number }
  >;
  if (!info) throw new Error(`npm pack said nothing in ${dir}`);
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

function run(command: string, commandArgs: string[], cwd: string): string {
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

function fail(problems: string[]): void {
  if (problems.length === 0) return;
  for (const problem of problems) console.error(`release: ${problem}`);
  process.exit(1);
}
