import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { buildServer } from '../packages/server/build.mjs';
import { AccessTokens } from '../packages/server/src/core/tokens.js';
import type { KyselyStore } from '../packages/server/src/store/kysely-store.js';
import { openStore } from '../packages/server/src/store/open-store.js';
import { dropPostgresSchema } from '../packages/server/src/store/postgres.js';
import { sleep } from './stats.js';

export type SetupName = 'sqlite' | 'pg-redis';

const ROOT = resolve(import.meta.dirname, '..');
/** The built `carechat` command, as operators run it (built afresh by each `startSetup`). */
const CARECHAT = join(ROOT, 'packages/server/bin/carechat.mjs');
const JWT_SECRET = `bench-${randomBytes(24).toString('hex')}`;
/** The bench scrapes each node's /metrics with it. */
export const METRICS_KEY = randomBytes(24).toString('hex');
export const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface BenchNode {
  readonly name: string;
  readonly port: number;
  readonly wsUrl: string;
  readonly httpUrl: string;
  pid(): number;
  /** SIGTERM (graceful: sockets close with 1012) and wait for the exit. */
  stop(): Promise<void>;
  /** Starts the process again on the same port. */
  start(): Promise<void>;
}

export interface SeededPair {
  conversationId: string;
  patient: { id: string; token: string };
  practitioner: { id: string; token: string };
}

export interface BenchCluster {
  readonly setup: SetupName;
  readonly nodes: BenchNode[];
  /** Creates `count` patient-practitioner pairs with a 1:1 conversation each, straight in the database. */
  seedPairs(count: number): Promise<SeededPair[]>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  return typeof address === 'object' && address ? address.port : 0;
}

function createNode(name: string, env: Record<string, string>, port: number): BenchNode {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const node: BenchNode = {
    name,
    port,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    pid: () => child?.pid ?? 0,
    async start() {
      // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the servers.
      const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
      const command = [process.execPath, ...extra, CARECHAT, 'serve'];
      // --single-core: the server gets core 0 to itself (the load generator has moved to core 1).
      const pinned = process.env.BENCH_SERVER_CORE;
      const [file, ...args] = pinned === undefined ? command : ['taskset', '-c', pinned, ...command];
      const proc = spawn(file!, args, {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: String(port),
          JWT_SECRET,
          METRICS_KEY,
          LOG_LEVEL: 'warn',
          NODE_ID: name,
          // These exercise transport and fan-out; the care policies have suites of their own.
          MESSAGING_POLICY: 'open',
          // The benchmark is one user pair per conversation sending far past a person's rate, and
          // thousands of connections from one address: the per-user and per-address limits are off.
          SEND_RATE_PER_SECOND: '0',
          MAX_CONNECTIONS_PER_ADDRESS: '0',
          MAX_CONNECTIONS_PER_USER: '0',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      let output = '';
      proc.stderr?.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
      });
      exited = new Promise((done) => proc.once('exit', () => done()));
      await new Promise<void>((done, fail) => {
        proc.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('carechat is running')) done();
        });
        void exited.then(() => fail(new Error(`${name} exited before listening:\n${output}`)));
      });
    },
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
  return node;
}

function sessionOf(userId: string): string {
  return `ses_${userId}`;
}

/** `sqlite`: one node on a SQLite file. `pg-redis`: two nodes on PostgreSQL + Redis. */
export async function startSetup(setup: SetupName): Promise<BenchCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'carechat-bench-'));
  const runId = `bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  let env: Record<string, string>;
  let store: KyselyStore;
  let nodeCount: number;
  if (setup === 'sqlite') {
    const url = `sqlite:${join(dataDir, 'carechat.db')}`;
    env = { DATABASE_URL: url, DATA_DIR: dataDir };
    store = await openStore({ url });
    nodeCount = 1;
  } else {
    env = {
      DATABASE_URL,
      DATABASE_SCHEMA: runId,
      REDIS_URL,
      REDIS_PREFIX: `${runId}:`,
      DATA_DIR: dataDir,
    };
    store = await openStore({ url: DATABASE_URL, schema: runId });
    nodeCount = 2;
  }
  await buildServer();
  const nodes: BenchNode[] = [];
  for (let i = 0; i < nodeCount; i++) nodes.push(createNode(`n${i + 1}`, env, await freePort()));
  await Promise.all(nodes.map((n) => n.start()));
  const tokens = new AccessTokens(JWT_SECRET, 6 * 3600);
  let seeded = 0;

  return {
    setup,
    nodes,
    async seedPairs(count) {
      const now = new Date().toISOString();
      const pairs: SeededPair[] = [];
      for (let i = 0; i < count; i++) {
        const n = seeded++;
        pairs.push({
          conversationId: `cnv_b${n}`,
          patient: { id: `usr_bp${n}`, token: '' },
          practitioner: { id: `usr_bd${n}`, token: '' },
        });
      }
      // Straight into the database in large transactions: registering thousands of users through
      // the API would measure scrypt, not messaging.
      for (let start = 0; start < pairs.length; start += 500) {
        const chunk = pairs.slice(start, start + 500);
        await store.db.transaction().execute(async (trx) => {
          await trx
            .insertInto('users')
            .values(
              chunk.flatMap((p) => [
                {
                  id: p.patient.id,
                  email: `${p.patient.id}@bench.test`,
                  name: 'Patient',
                  role: 'patient',
                  password_hash: null,
                  created_at: now,
                },
                {
                  id: p.practitioner.id,
                  email: `${p.practitioner.id}@bench.test`,
                  name: 'Practitioner',
                  role: 'practitioner',
                  password_hash: null,
                  created_at: now,
                },
              ]),
            )
            .execute();
          await trx
            .insertInto('conversations')
            .values(
              chunk.map((p) => ({
                id: p.conversationId,
                kind: 'direct',
                direct_key: [p.patient.id, p.practitioner.id].sort().join(':'),
                appointment_id: null,
                created_by: p.patient.id,
                created_at: now,
                last_seq: 0,
                last_activity_at: now,
              })),
            )
            .execute();
          await trx
            .insertInto('participants')
            .values(
              chunk.flatMap((p) =>
                [p.patient.id, p.practitioner.id].map((userId) => ({
                  conversation_id: p.conversationId,
                  user_id: userId,
                  joined_at: now,
                  last_read_seq: 0,
                  muted: 0,
                  pinned: 0,
                })),
              ),
            )
            .execute();
          // Every connection's session is checked (and revocable), so each user gets a live one.
          await trx
            .insertInto('sessions')
            .values(
              chunk.flatMap((p) =>
                [p.patient.id, p.practitioner.id].map((userId) => ({
                  id: sessionOf(userId),
                  user_id: userId,
                  token_hash: `bench:${userId}`,
                  created_at: now,
                  expires_at: new Date(Date.now() + 24 * 3_600_000).toISOString(),
                  revoked_at: null,
                  last_used_at: now,
                })),
              ),
            )
            .execute();
        });
      }
      const at = new Date();
      for (const p of pairs) {
        p.patient.token = await tokens.sign(
          { userId: p.patient.id, role: 'patient', sessionId: sessionOf(p.patient.id) },
          at,
        );
        p.practitioner.token = await tokens.sign(
          { userId: p.practitioner.id, role: 'practitioner', sessionId: sessionOf(p.practitioner.id) },
          at,
        );
      }
      return pairs;
    },
    async close() {
      await Promise.all(nodes.map((n) => n.stop()));
      await store.close();
      if (setup === 'pg-redis') {
        await dropPostgresSchema(DATABASE_URL, runId);
        const redis = new Redis(REDIS_URL);
        const keys = await redis.keys(`${runId}:*`);
        if (keys.length > 0) await redis.del(...keys);
        redis.disconnect();
      }
      rmSync(dataDir, { recursive: true, force: true });
      await sleep(100);
    },
  };
}
