// Builds the server into dist/: main.js (the `carechat` command) and sqlite-writer-thread.js (the
// SQLite writer thread's body), each one ES module holding our own code and the workspace packages
// it uses. Dependencies stay in node_modules, loaded by Node as they are. A process starts in about a
// third of the time it takes under tsx, which compiles ~700 modules through its hooks on every start
// (docs/decisions/1706-the-server-runs-built.md). Runs in a fraction of a second; `npm start` and
// `npm run serve` build before they start, so the built server is never older than its sources.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Compiled in with our own code: our workspace packages (from their sources) and the dependencies
 * that are many small ES modules and touch no file of their own (kysely alone is 262 modules).
 * Every other dependency stays in node_modules, loaded by Node as it is: some find files beside
 * themselves (socket.io serves its client bundle from its own folder), better-sqlite3 is native.
 */
const COMPILED_IN = new Set(['kysely', 'zod', 'jose']);

/** Builds into `outdir` (default: packages/server/dist); resolves once both files are written. */
export async function buildServer(outdir = join(here, 'dist')) {
  const manifest = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
  const external = Object.keys(manifest.dependencies).filter(
    (name) => !name.startsWith('@carechat/') && !COMPILED_IN.has(name),
  );
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: [join(here, 'src/main.ts'), join(here, 'src/store/sqlite-writer-thread.ts')],
    // Flat: both files sit one level below the package, as src/main.ts does, so paths that
    // src/main.ts's modules resolve from their own location (the web app's dist) resolve the same.
    entryNames: '[name]',
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external,
    // What only some nodes use (the Redis bus, the PostgreSQL store) is a chunk of its own, loaded
    // when configured: a node on SQLite starts without loading their clients.
    splitting: true,
    conditions: ['@carechat/source'],
    // Stack traces of the built server name src/ (bin/carechat.mjs turns source maps on).
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  return outdir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildServer(process.argv[2]);
