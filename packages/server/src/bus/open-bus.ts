import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Bus } from '../core/ports/bus.js';
import type { Presence } from '../core/presence.js';
import type { Metrics } from '../metrics.js';
import { IpcBus, type IpcChannel } from '../workers/ipc-bus.js';
import { IpcPresence } from '../workers/ipc-presence.js';
import { MemoryBus } from './memory-bus.js';

export interface OpenedBus {
  bus: Bus;
  /** Shared presence when the bus is Redis; undefined means the core's in-memory one. */
  presence?: Presence;
  close(): Promise<void>;
}

/**
 * The in-process bus for one node; Redis pub/sub (and Redis presence) when REDIS_URL is set; and
 * for a worker of `serve --workers N` without Redis, its primary over the IPC `channel`.
 */
export async function openBus(
  config: Config,
  metrics: Metrics,
  logger: Logger,
  channel?: IpcChannel,
): Promise<OpenedBus> {
  if (config.redisUrl === undefined && channel !== undefined) {
    return shared(new IpcBus(channel), new IpcPresence(channel));
  }
  if (config.redisUrl === undefined) {
    const bus = new MemoryBus();
    return { bus, close: () => bus.close() };
  }
  // Loaded only here: a node without Redis never loads its client (ioredis) at start.
  const [{ RedisBus }, { RedisPresence }] = await Promise.all([
    import('./redis-bus.js'),
    import('./redis-presence.js'),
  ]);
  const bus = new RedisBus({
    url: config.redisUrl,
    prefix: config.redisPrefix,
    nodeId: config.nodeId,
    observeLag: (seconds) => metrics.busPublishLag.observe(seconds),
    onProblem: (problem) => {
      metrics.busProblems.inc({ problem });
      if (problem === 'connection_restored') logger.warn('redis connection restored');
      else if (problem === 'connection_lost')
        logger.error('redis connection lost: serving local clients only');
    },
  });
  try {
    await bus.ready();
  } catch {
    // A node may start while Redis is away: it serves its own clients, reports not ready, and
    // joins the cluster when Redis answers.
    logger.error('redis not reachable at start: serving local clients only until it is');
  }
  return shared(
    bus,
    new RedisPresence({
      redis: bus.client,
      prefix: config.redisPrefix,
      nodeId: config.nodeId,
      ttlSeconds: config.presenceTtlSeconds,
    }),
  );
}

/** A bus with the presence that goes with it; closing stops the presence first. */
function shared(bus: Bus, presence: Presence & { close(): void }): OpenedBus {
  return {
    bus,
    presence,
    async close() {
      presence.close();
      await bus.close();
    },
  };
}
