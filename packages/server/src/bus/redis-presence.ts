import type { Redis } from 'ioredis';
import type { Presence, PresenceStatus } from '../core/presence.js';

export interface RedisPresenceOptions {
  /** A command connection (RedisBus.client). */
  redis: Redis;
  prefix: string;
  nodeId: string;
  /** A node's entries expire this long after its last refresh: a dead node's users go offline. */
  ttlSeconds: number;
}

const LAST_SEEN_TTL_SECONDS = 90 * 24 * 3600;

/**
 * Who is online across nodes. For each user, a sorted set names the nodes holding one of their
 * connections, scored by when that claim expires; each node refreshes its claims every third of
 * the TTL, so the users of a node that dies (kill -9, lost host) go offline when its claims lapse.
 * Device counts stay on the node that holds the devices. When Redis is unreachable, answers fall
 * back to this node's own view rather than failing the connection that asked.
 */
export class RedisPresence implements Presence {
  readonly #local = new Map<string, number>();
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(private readonly o: RedisPresenceOptions) {
    this.#timer = setInterval(() => void this.refresh(), (o.ttlSeconds * 1000) / 3);
    this.#timer.unref();
  }

  async connected(userId: string): Promise<boolean> {
    const count = (this.#local.get(userId) ?? 0) + 1;
    this.#local.set(userId, count);
    if (count > 1) return false;
    const now = Date.now();
    try {
      const results = await this.o.redis
        .multi()
        .zremrangebyscore(this.key(userId), '-inf', now)
        .zcard(this.key(userId))
        .zadd(this.key(userId), now + this.o.ttlSeconds * 1000, this.o.nodeId)
        .pexpire(this.key(userId), this.o.ttlSeconds * 1000)
        .exec();
      return Number(results?.[1]?.[1] ?? 0) === 0;
    } catch {
      return true;
    }
  }

  async disconnected(userId: string, at: Date): Promise<boolean> {
    const count = (this.#local.get(userId) ?? 1) - 1;
    if (count > 0) {
      this.#local.set(userId, count);
      return false;
    }
    this.#local.delete(userId);
    try {
      const results = await this.o.redis
        .multi()
        .zrem(this.key(userId), this.o.nodeId)
        .set(this.seenKey(userId), at.toISOString(), 'EX', LAST_SEEN_TTL_SECONDS)
        .zcount(this.key(userId), Date.now(), '+inf')
        .exec();
      return Number(results?.[2]?.[1] ?? 0) === 0;
    } catch {
      return true;
    }
  }

  async status(userIds: readonly string[]): Promise<Map<string, PresenceStatus>> {
    const now = Date.now();
    try {
      const pipeline = this.o.redis.pipeline();
      for (const id of userIds) pipeline.zcount(this.key(id), now, '+inf').get(this.seenKey(id));
      const results = (await pipeline.exec()) ?? [];
      return new Map(
        userIds.map((id, i) => {
          const online = Number(results[2 * i]?.[1] ?? 0) > 0 || this.#local.has(id);
          const seen = results[2 * i + 1]?.[1];
          return [id, { online, lastSeenAt: typeof seen === 'string' ? seen : null }];
        }),
      );
    } catch {
      return new Map(userIds.map((id) => [id, { online: this.#local.has(id), lastSeenAt: null }]));
    }
  }

  /** Stops refreshing; this node's claims lapse by themselves (or are removed on disconnect). */
  close(): void {
    clearInterval(this.#timer);
  }

  /** Renews this node's claim for every user it holds a connection of. */
  private async refresh(): Promise<void> {
    if (this.#local.size === 0) return;
    const expires = Date.now() + this.o.ttlSeconds * 1000;
    const pipeline = this.o.redis.pipeline();
    for (const userId of this.#local.keys()) {
      pipeline
        .zadd(this.key(userId), expires, this.o.nodeId)
        .pexpire(this.key(userId), this.o.ttlSeconds * 1000);
    }
    await pipeline.exec().catch(() => {});
  }

  private key(userId: string): string {
    return `${this.o.prefix}presence:${userId}`;
  }

  private seenKey(userId: string): string {
    return `${this.o.prefix}seen:${userId}`;
  }
}
