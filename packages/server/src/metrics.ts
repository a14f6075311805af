import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Fast-path buckets (seconds): most of the interesting mass is under 100 ms. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The Prometheus metrics of one server process, in a registry of its own (tests run several apps
 * in one process). Labels never carry user, conversation or message identifiers.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Messages committed (new, not retries). */
  readonly messagesAccepted: Counter;
  /** chat_message frames written to client connections, by door. */
  readonly messagesDelivered: Counter<'door'>;
  /** From a message's acceptance to its hand-off to this node's connections. */
  readonly deliveryLatency: Histogram;
  /** One group commit of messages: its duration, and how many messages it carried. */
  readonly commitLatency: Histogram;
  readonly commitBatchSize: Histogram;
  /** From a publish on one node to its arrival on another. */
  readonly busPublishLag: Histogram;
  readonly busProblems: Counter<'problem'>;
  /** Error codes sent to clients, by door. */
  readonly errors: Counter<'code' | 'door'>;
  /** Push and email notifications handled, by step and outcome (docs/notifications.md). */
  readonly notifications: Counter<'step' | 'outcome'>;
  /** Registers a source for the connections gauge. */
  trackConnections(door: string, count: () => number): void;
}

export function createMetrics(options: { nodeId: string; defaultMetrics?: boolean }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ node: options.nodeId });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'carechat_' });
  const connectionSources = new Map<string, () => number>();

  new Gauge({
    name: 'carechat_connections',
    help: 'Open client connections, by door.',
    labelNames: ['door'],
    registers: [registry],
    collect() {
      for (const [door, count] of connectionSources) this.set({ door }, count());
    },
  });

  return {
    registry,
    notifications: new Counter({
      name: 'carechat_notifications_total',
      help: 'Push and email notifications handled: sent, skipped (read, muted, turned off), postponed (quiet hours) or failed.',
      labelNames: ['step', 'outcome'],
      registers: [registry],
    }),
    messagesAccepted: new Counter({
      name: 'carechat_messages_accepted_total',
      help: 'Messages committed to the store (retries of a stored message are not counted).',
      registers: [registry],
    }),
    messagesDelivered: new Counter({
      name: 'carechat_messages_delivered_total',
      help: 'chat_message frames written to client connections, replays included.',
      labelNames: ['door'],
      registers: [registry],
    }),
    deliveryLatency: new Histogram({
      name: 'carechat_delivery_latency_seconds',
      help: "From a message's acceptance to its hand-off to this node's connections.",
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    commitLatency: new Histogram({
      name: 'carechat_commit_latency_seconds',
      help: 'Duration of one group commit of messages.',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    commitBatchSize: new Histogram({
      name: 'carechat_commit_batch_size',
      help: 'Messages written by one group commit.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    }),
    busPublishLag: new Histogram({
      name: 'carechat_bus_publish_lag_seconds',
      help: 'From a publish on one node to its arrival on another (Redis bus only).',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    busProblems: new Counter({
      name: 'carechat_bus_problems_total',
      help: 'Bus publish failures and connection losses.',
      labelNames: ['problem'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'carechat_errors_total',
      help: 'Error codes sent to clients, by door.',
      labelNames: ['code', 'door'],
      registers: [registry],
    }),
    trackConnections(door, count) {
      connectionSources.set(door, count);
    },
  };
}
