import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * The real server as a separate process (`carechat serve`, built by the suite's global setup),
 * so a test can kill it outright and start it again on the same database and port.
 */
export class ServerProcess {
  #child: ChildProcess | undefined;
  #output = '';
  starts = 0;

  constructor(private readonly env: Record<string, string>) {}

  get url(): string {
    return `http://127.0.0.1:${this.env.PORT}`;
  }

  /** The last lines the server wrote, for a failure message. */
  get output(): string {
    return this.#output.slice(-4000);
  }

  /** Starts the server and resolves once it is listening. */
  async start(timeoutMs = 60_000): Promise<void> {
    const child = spawn(process.execPath, ['packages/server/bin/carechat.mjs', 'serve'], {
      cwd: ROOT,
      // The chaos run is about delivery; the care policies have suites of their own.
      env: { ...process.env, MESSAGING_POLICY: 'open', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.starts += 1;
    const from = this.#output.length;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`server did not start:\n${this.output}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        this.#output += chunk.toString();
        if (this.#output.indexOf('carechat is running at', from) >= 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => {
        this.#output += chunk.toString();
      });
      child.once('exit', (code) =>
        fail(new Error(`server exited with ${code} while starting:\n${this.output}`)),
      );
    });
  }

  /** Kills the process (SIGKILL by default: no graceful shutdown, as in a crash) and waits for it. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }
}

/** A port free right now (the server is then started on it, and restarted on the same one). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
