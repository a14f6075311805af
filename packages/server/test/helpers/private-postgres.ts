import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The binaries of the newest PostgreSQL installed from Debian's packages, if any. */
function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

export const POSTGRES_BIN = postgresBinDir();

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * A PostgreSQL server of the test's own, in a temporary folder on a free port, that the test may
 * stop, restart and kill without disturbing the machine's shared server. PostgreSQL refuses to
 * run as root; as root it runs as the `postgres` user that Debian's package creates.
 */
export class PrivatePostgres {
  readonly #dir: string;
  readonly #bin: string;
  readonly #asPostgres = process.getuid?.() === 0;

  private constructor(
    readonly port: number,
    bin: string,
  ) {
    this.#bin = bin;
    this.#dir = mkdtempSync(join(tmpdir(), 'carechat-pg-'));
    if (this.#asPostgres) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      chownSync(this.#dir, uid, gid);
    }
    chmodSync(this.#dir, 0o700);
  }

  static async create(): Promise<PrivatePostgres> {
    if (!POSTGRES_BIN) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
    const server = new PrivatePostgres(await freePort(), POSTGRES_BIN);
    server.run('initdb', ['-D', server.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await server.start();
    process.once('exit', () => server.dispose());
    return server;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return join(this.#dir, 'data');
  }

  async start(): Promise<void> {
    this.ctl(['start', '-w', '-t', '30', '-l', this.logFile, '-o', this.serverOptions()]);
  }

  /** What `pg_ctl restart -m fast` does to a production database: every connection is cut. */
  async restart(): Promise<void> {
    this.ctl(['restart', '-m', 'fast', '-w', '-t', '30', '-l', this.logFile, '-o', this.serverOptions()]);
  }

  async stop(): Promise<void> {
    this.ctl(['stop', '-m', 'fast', '-w', '-t', '30']);
  }

  dispose(): void {
    if (!existsSync(this.#dir)) return;
    spawnSync(...this.command('pg_ctl', ['stop', '-D', this.dataDir, '-m', 'immediate', '-w']), {
      stdio: 'ignore',
    });
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /**
   * The server's output goes here: left on pg_ctl's stdout, the server would hold the pipe open
   * and the call would never return.
   */
  private get logFile(): string {
    return join(this.#dir, 'log');
  }

  private serverOptions(): string {
    // fsync off: the tests restart the server, they do not test the disk.
    return `-p ${this.port} -k ${this.#dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  }

  private ctl(args: string[]): void {
    this.run('pg_ctl', ['-D', this.dataDir, ...args]);
  }

  private run(tool: string, args: string[]): void {
    const [file, argv] = this.command(tool, args);
    const result = spawnSync(file, argv, { encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr}${result.stdout}`);
  }

  private command(tool: string, args: string[]): [string, string[]] {
    const path = join(this.#bin, tool);
    return this.#asPostgres ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  }
}
