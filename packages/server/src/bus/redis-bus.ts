import { Redis } from 'ioredis';
import type { DomainEvent } from '../core/events.js';
import type { Bus } from '../core/ports/bus.js';

export interface RedisBusOptions {
  url: string;
  /** Prefix of the channel (and of every key this cluster uses), so clusters and test runs never mix. */
  prefix: string;
  /** This node's name: a node skips its own events when Redis echoes them back. */
  nodeId: string;
  /** Seconds between a publish on one node and its arrival on another (metrics). */
  observeLag?: (seconds: number) => void;
  /** Something went wrong that an operator should see (no event content is passed). */
  onProblem?: (problem: 'publish_failed' | 'connection_lost' | 'connection_restored') => void;
}

/**
 * What travels on the channel: the domain event (serialised as JSON, opaque to Redis), which node
 * sent it and when. A typed message with an opaque payload, like socket.io's ClusterMessage.
 */
interface Wire {
  n: string;
  t: number;
  e: DomainEvent;
}

/**
 * Cross-node fan-out over Redis pub/sub: one channel per cluster, with the user ids in the
 * event; each node hands an event to its own connections of those users (live/hub.ts).
 *
 * Local delivery never depends on Redis: a publish is handed to this node's subscribers at once,
 * and other nodes get it from the channel. While Redis is away a node keeps serving its own
 * clients, publishes fail fast instead of queueing, and readiness says so. Events missed in
 * the meantime are not replayed by Redis; when the connection comes back, `onRecovered`
 * listeners catch their connections up from the store (messages have seqs; see app.ts).
 */
export class RedisBus implements Bus {
  readonly #handlers = new Set<(event: DomainEvent) => void>();
  readonly #recovered = new Set<() => void>();
  readonly #channel: string;
  /** Commands (publish, presence keys); fails fast while disconnected. */
  readonly client: Redis;
  /** A connection in subscriber mode can do nothing else. */
  readonly #subscriber: Redis;
  /** Set when events may have been missed: a failed publish or a lost subscription. */
  #missedEvents = false;
  #closed = false;

  constructor(private readonly options: RedisBusOptions) {
    this.#channel = `${options.prefix}events`;
    const common = {
      lazyConnect: false,
      // Reconnect forever with a short ceiling: Redis restarts should be invisible to clients.
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
      connectTimeout: 2000,
    };
    this.client = new Redis(options.url, {
      ...common,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectionName: `${options.nodeId}:commands`,
    });
    this.#subscriber = new Redis(options.url, {
      ...common,
      // The SUBSCRIBE issued before the first connection must wait for it; ioredis re-subscribes
      // by itself after every reconnect.
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      connectionName: `${options.nodeId}:events`,
    });
    for (const connection of [this.client, this.#subscriber]) {
      // Without a listener an unreachable Redis would be an uncaught 'error' event.
      connection.on('error', () => {});
    }
    this.#subscriber.on('close', () => this.lost());
    this.#subscriber.on('ready', () => this.restored());
    this.client.on('ready', () => this.restored());
    this.#subscriber.on('messageBuffer', (_channel: Buffer, payload: Buffer) => this.receive(payload));
    void this.#subscriber.subscribe(this.#channel).catch(() => {});
  }

  /** Resolves once both connections are up (or rejects after `timeoutMs`). */
  async ready(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.client.status !== 'ready' || this.#subscriber.status !== 'ready') {
      if (Date.now() > deadline) throw new Error('redis not reachable');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async publish(event: DomainEvent): Promise<void> {
    for (const handler of this.#handlers) handler(event);
    if (this.#closed) return;
    const wire: Wire = { n: this.options.nodeId, t: Date.now(), e: event };
    // Not awaited: commands on one connection go out in the order they were issued, which is all
    // the order other nodes need, and waiting for Redis's reply would put a round trip on every
    // send's path while promising nothing more (pub/sub is at-most-once either way).
    this.client.publish(this.#channel, JSON.stringify(wire)).catch(() => {
      // The message itself is committed; other nodes' clients get it by gap fill or resume.
      this.#missedEvents = true;
      this.options.onProblem?.('publish_failed');
    });
  }

  subscribe(handler: (event: DomainEvent) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Called when Redis is back after events may have been missed. */
  onRecovered(listener: () => void): () => void {
    this.#recovered.add(listener);
    return () => this.#recovered.delete(listener);
  }

  async ping(): Promise<void> {
    if (this.client.status !== 'ready' || this.#subscriber.status !== 'ready') {
      throw new Error('redis not connected');
    }
    await this.client.ping();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#handlers.clear();
    this.#recovered.clear();
    await Promise.all([this.client, this.#subscriber].map((c) => c.quit().catch(() => c.disconnect())));
  }

  private receive(payload: Buffer): void {
    let wire: Wire;
    try {
      wire = JSON.parse(payload.toString('utf8')) as Wire;
    } catch {
      return;
    }
    if (wire.n === this.options.nodeId) return;
    this.options.observeLag?.(Math.max(0, Date.now() - wire.t) / 1000);
    for (const handler of this.#handlers) handler(wire.e);
  }

  private lost(): void {
    if (this.#closed || this.#missedEvents) return;
    this.#missedEvents = true;
    this.options.onProblem?.('connection_lost');
  }

  private restored(): void {
    if (!this.#missedEvents || this.#closed) return;
    if (this.client.status !== 'ready' || this.#subscriber.status !== 'ready') return;
    this.#missedEvents = false;
    this.options.onProblem?.('connection_restored');
    for (const listener of this.#recovered) listener();
  }
}
