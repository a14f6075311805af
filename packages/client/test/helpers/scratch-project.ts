import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The environment of a command run as a stranger would: none of this repository's npm settings. */
export function strangerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'NODE_OPTIONS' && key !== 'INIT_CWD') env[key] = value;
  }
  return { ...env, ...extra };
}

export function run(command: string, args: string[], cwd: string, env = strangerEnv()): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 240_000 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** Runs a command without blocking this process (a server under test may live in it); resolves with stdout. */
export function runAsync(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${out}\n${err}`));
    });
  });
}

/**
 * Packs the published packages as `npm run release -- --dry-run` does (build, pack, check) and
 * returns the tarballs, in publishing order.
 */
export function packPublishedPackages(): string[] {
  const destination = mkdtempSync(join(tmpdir(), 'carechat-tarballs-'));
  const out = run(
    process.execPath,
    ['--import', 'tsx', 'scripts/release.ts', '--dry-run', '--pack-destination', destination],
    REPO_ROOT,
  );
  const last = out.trim().split('\n').at(-1) ?? '';
  return (JSON.parse(last) as { tarballs: string[] }).tarballs;
}

/**
 * A project of its own under the system's temporary folder (outside this repository, so nothing
 * resolves to the workspace), with the tarballs and `extra` packages installed by plain `npm install`.
 */
export function scratchProject(tarballs: string[], extra: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'carechat-scratch-'));
  const dependencies: Record<string, string> = { ...extra };
  for (const tarball of tarballs) {
    // The file's own name (carechat-client-0.1.0.tgz): its folder's random suffix may look alike.
    const name = `@carechat/${/^carechat-(\w+)-\d/.exec(basename(tarball))?.[1]}`;
    dependencies[name] = `file:${tarball}`;
  }
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'carechat-scratch', private: true, type: 'module', dependencies }, null, 2),
  );
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], dir);
  return dir;
}
