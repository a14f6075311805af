import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { Store } from '../../src/core/ports/store.js';
import { openStore } from '../../src/store/open-store.js';
import { dropPostgresSchema } from '../../src/store/postgres.js';
import { CARECHAT } from './carechat-command.js';
import { TEST_DATABASE_URL } from './dialects.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CLUSTER_JWT_SECRET = 'cluster-secret-cluster-secret-cluster-0123456789';
const REPO_ROOT = resolve(import.meta.dirname, '../../../..');

/** True when a Redis answers at `url`; CI must have one (.ci/run starts it). */
export async function redisReachable(url = TEST_REDIS_URL): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export interface NodeProcess {
  readonly name: string;
  readonly url: string;
  readonly wsUrl: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited, with how. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote to stderr and stdout (logs), for failure messages. */
  output(): string;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Spawns `carechat serve` as a real child process on a free port and waits until it listens.
 * `env` is the whole configuration (DATABASE_URL, REDIS_URL, ...) on top of test defaults.
 */
export async function spawnNode(
  name: string,
  env: Record<string, string>,
  /** More arguments for `serve` (`--workers 3`). */
  args: readonly string[] = [],
): Promise<NodeProcess> {
  const child = spawn(process.execPath, [CARECHAT, 'serve', ...args], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: mkdtempSync(join(tmpdir(), `carechat-${name}-`)),
      JWT_SECRET: CLUSTER_JWT_SECRET,
      LOG_LEVEL: 'warn',
      NODE_ID: name,
      // These exercise transport and fan-out; the care policies have suites of their own.
      MESSAGING_POLICY: 'open',
      // They push hundreds of messages per user at once; the rate limits have a suite of their own.
      SEND_RATE_PER_SECOND: '0',
      // They sign practitioners up and talk to them at once, many users from one address: the
      // approval and the bulk limits have suites of their own (security-practitioners, -signin).
      ALLOW_PRACTITIONER_SIGNUP: 'true',
      SIGNUPS_PER_HOUR_PER_ADDRESS: '0',
      APPOINTMENT_REQUESTS_PER_HOUR: '0',
      GROUPS_PER_HOUR: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A test process that ends (or is ended) takes its servers with it.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => {
      process.off('exit', reap);
      done({ code, signal });
    });
  });
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${name} did not start:\n${output}`));
    }, 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at http:\/\/localhost:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        done(Number(match[1]));
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    name,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    child,
    exited,
    output: () => output,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

export interface Cluster {
  nodes: NodeProcess[];
  /** The shared database, for checking what was committed. */
  store: Store;
  /** The environment every node of this cluster gets. */
  env: Record<string, string>;
  addNode(name: string): Promise<NodeProcess>;
  dispose(): Promise<void>;
}

/**
 * N real server processes on one PostgreSQL schema and one Redis key prefix of their own. The
 * schema is migrated here first, so the nodes never race to create it.
 */
export async function startCluster(
  size: number,
  options: { redisUrl?: string; databaseUrl?: string; env?: Record<string, string> } = {},
): Promise<Cluster> {
  const runId = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const schema = `cl_${runId}`;
  const databaseUrl = options.databaseUrl ?? TEST_DATABASE_URL;
  const store = await openStore({ url: databaseUrl, schema });
  const env = {
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    REDIS_URL: options.redisUrl ?? TEST_REDIS_URL,
    REDIS_PREFIX: `test:${runId}:`,
    // Test runs share one PostgreSQL with other runs: a few connections per node are plenty.
    DATABASE_POOL_SIZE: '5',
    ...options.env,
  };
  const nodes: NodeProcess[] = [];
  const addNode = async (name: string) => {
    const node = await spawnNode(name, env);
    nodes.push(node);
    return node;
  };
  // allSettled: when one node fails to start, the others must have finished starting before they
  // are killed, or one still starting would be left running.
  const started = await Promise.allSettled(
    Array.from({ length: size }, (_, i) => addNode(String.fromCharCode(97 + i))),
  );
  const failure = started.find((r) => r.status === 'rejected');
  if (failure) {
    const error = (failure as PromiseRejectedResult).reason as Error;
    for (const node of nodes) node.kill('SIGKILL');
    await store.close();
    await dropPostgresSchema(databaseUrl, schema);
    throw error;
  }
  nodes.sort((x, y) => x.name.localeCompare(y.name));
  return {
    nodes,
    store,
    env,
    addNode,
    async dispose() {
      for (const node of nodes) node.kill('SIGKILL');
      await Promise.all(nodes.map((n) => n.exited));
      await store.close();
      await dropPostgresSchema(databaseUrl, schema);
      const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1 });
      redis.on('error', () => {});
      try {
        const keys = await redis.keys(`${env.REDIS_PREFIX}*`);
        if (keys.length > 0) await redis.del(...keys);
      } catch {
        // A private Redis may be gone already.
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** Polls `check` until it returns true (for states reached over the network, not for time). */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
