import { type ChildProcess, spawn } from 'node:child_process';
import { eventually, redisReachable } from './cluster.js';
import { freePort } from './private-postgres.js';

/** A private redis-server this suite may stop and start at will. */
export class PrivateRedis {
  #child: ChildProcess | undefined;
  constructor(readonly port: number) {}

  /** A started redis-server on a free port of its own. */
  static async create(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const child = this.#child;
    process.once('exit', () => child.kill('SIGKILL'));
    await eventually(() => redisReachable(this.url), 10_000);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
