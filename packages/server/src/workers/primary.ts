import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { MemoryPresence } from '../core/presence.js';
import { isCarechatMessage, type PrimaryToWorker, type WorkerToPrimary } from './ipc-messages.js';

export interface PrimaryOptions {
  workers: number;
  /** The base NODE_ID: worker i is `<nodeId>-w<i>`. */
  nodeId: string;
  /** True without Redis: the primary carries events and presence between the workers itself. */
  relay: boolean;
  logger: Logger;
  /** Called once, with the port the workers share, when the first of them listens. */
  onListening(port: number): void;
}

/** A worker that dies this soon after it started counts towards a crash loop. */
const EARLY_DEATH_MS = 5000;
/** This many early deaths in a row stop the server instead of forking forever. */
const MAX_EARLY_DEATHS = 5;
/** How long the workers have to finish their graceful stop. */
const STOP_DEADLINE_MS = 9_500;

/**
 * The primary process of `carechat serve --workers N`: N worker processes, each a whole carechat
 * node, share one listening port (node:cluster hands each new connection to the next worker).
 * Without Redis the primary is their bus and keeps their shared presence; with Redis they use it
 * like separate nodes. A worker that dies is replaced; SIGTERM stops them all gracefully.
 */
export function runPrimary(o: PrimaryOptions): void {
  const presence = new MemoryPresence();
  /** Each worker's connected devices per user, to take back when it dies. */
  const devices = new Map<number, Map<string, number>>();
  let stopping = false;
  let earlyDeaths = 0;
  let announced = false;

  const fork = (index: number) => {
    const worker = cluster.fork({ CARECHAT_WORKER_INDEX: String(index), NODE_ID: `${o.nodeId}-w${index}` });
    const startedAt = Date.now();
    devices.set(worker.id, new Map());
    worker.on('message', (message: unknown) => {
      if (isCarechatMessage(message)) void handle(worker, message as WorkerToPrimary);
    });
    worker.on('listening', (address) => {
      earlyDeaths = 0;
      if (announced) return;
      announced = true;
      o.onListening(address.port);
    });
    worker.on('exit', (code, signal) => {
      void forgetDevices(worker.id);
      if (stopping) return;
      earlyDeaths = Date.now() - startedAt < EARLY_DEATH_MS ? earlyDeaths + 1 : 0;
      o.logger.error({ worker: index, code, signal }, 'worker exited: starting another');
      if (earlyDeaths >= MAX_EARLY_DEATHS) {
        o.logger.fatal('workers keep dying at start: stopping');
        void stop(1);
        return;
      }
      setTimeout(() => fork(index), 500).unref();
    });
  };

  const handle = async (from: Worker, message: WorkerToPrimary) => {
    if (message.carechat === 'bus') {
      if (!o.relay) return;
      const out: PrimaryToWorker = { carechat: 'bus', event: message.event };
      for (const worker of Object.values(cluster.workers ?? {})) {
        if (worker && worker.id !== from.id && worker.isConnected()) worker.send(out);
      }
      return;
    }
    const reply = (result: Extract<PrimaryToWorker, { carechat: 'presence-reply' }>['result']) => {
      const out: PrimaryToWorker = { carechat: 'presence-reply', id: message.id, result };
      if (from.isConnected()) from.send(out);
    };
    if (message.op === 'status') {
      reply([...(await presence.status(message.userIds)).entries()]);
      return;
    }
    const mine = devices.get(from.id) ?? new Map<string, number>();
    const count = mine.get(message.userId) ?? 0;
    if (message.op === 'connected') {
      mine.set(message.userId, count + 1);
      reply(await presence.connected(message.userId));
      return;
    }
    if (count <= 1) mine.delete(message.userId);
    else mine.set(message.userId, count - 1);
    reply(await presence.disconnected(message.userId, new Date(message.at ?? Date.now())));
  };

  /** A dead worker's devices are gone: they no longer keep their users online. */
  const forgetDevices = async (workerId: number) => {
    const mine = devices.get(workerId);
    devices.delete(workerId);
    const now = new Date();
    for (const [userId, count] of mine ?? []) {
      for (let i = 0; i < count; i++) await presence.disconnected(userId, now);
    }
  };

  const stop = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), STOP_DEADLINE_MS + 500);
    force.unref();
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((done) => {
            if (worker.isDead()) return done();
            worker.once('exit', () => done());
            worker.process.kill('SIGTERM');
          }),
      ),
    );
    o.logger.info('all workers stopped');
    process.exit(exitCode);
  };

  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  for (let i = 1; i <= o.workers; i++) fork(i);
}
