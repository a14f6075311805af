import cookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Bus } from './bus/bus.js';
import type { Config } from './config.js';
import { type Clock, systemClock } from './core/clock.js';
import { type Core, createCore } from './core/index.js';
import type { MessagingPolicy } from './core/policy.js';
import type { Presence } from './core/presence.js';
import { registerAuthRoutes } from './doors/http/auth-routes.js';
import { registerConversationRoutes } from './doors/http/conversation-routes.js';
import { registerErrorHandling } from './doors/http/errors.js';
import { registerHealthRoutes } from './doors/http/health-routes.js';
import { registerMetricsRoute } from './doors/http/metrics-route.js';
import { attachWsDoor, type WsDoor } from './doors/ws/ws-door.js';
import { createLogger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { Store } from './store/store.js';

export interface AppDeps {
  store: Store;
  bus: Bus;
  clock?: Clock;
  logger?: Logger;
  policy?: MessagingPolicy;
  /** Shared presence (Redis) when several nodes run; in-memory otherwise. */
  presence?: Presence;
  /** Defaults to a fresh registry for this app. */
  metrics?: Metrics;
}

export interface App {
  http: FastifyInstance;
  core: Core;
  ws: WsDoor;
  metrics: Metrics;
  /** Listens; resolves with the bound address (port 0 picks a free port). */
  listen(port?: number, host?: string): Promise<{ port: number; url: string }>;
  /**
   * Graceful stop: readiness fails, no new connections are accepted, requests and frames already
   * received finish (their commits and answers), sockets close with `closeCode`, and the HTTP
   * server closes. Store and bus stay open: the caller closes them after.
   */
  close(closeCode?: number): Promise<void>;
}

/** Pending connections the kernel may queue (capped by net.core.somaxconn). */
const LISTEN_BACKLOG = 8192;

/** Builds the whole server from config and its dependencies; only main.ts decides to listen for real. */
export async function buildApp(config: Config, deps: AppDeps): Promise<App> {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const metrics = deps.metrics ?? createMetrics({ nodeId: config.nodeId });
  const core = createCore({
    store: deps.store,
    bus: deps.bus,
    clock: deps.clock ?? systemClock,
    jwtSecret: config.jwtSecret,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    sessionTtlDays: config.sessionTtlDays,
    allowPractitionerSignup: config.allowPractitionerSignup,
    maxMessageBytes: config.maxMessageBytes,
    ...(deps.policy ? { policy: deps.policy } : {}),
    ...(deps.presence ? { presence: deps.presence } : {}),
  });
  observeDelivery(core, metrics, logger);

  const http: FastifyInstance = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance type the default one.
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: Math.max(config.maxFrameBytes, 64 * 1024),
    trustProxy: true,
    requestIdHeader: 'x-request-id',
  });
  let shuttingDown = false;
  await http.register(cookie);
  registerErrorHandling(http, (code) => metrics.errors.inc({ code, door: 'http' }));
  registerHealthRoutes(http, core, () => shuttingDown);
  registerMetricsRoute(http, metrics);
  registerAuthRoutes(http, core, { cookieSecure: config.cookieSecure });
  registerConversationRoutes(http, core);
  await http.ready();

  const ws = attachWsDoor(http.server, core, http.log, {
    maxFrameBytes: config.maxFrameBytes,
    maxSocketBufferBytes: config.maxSocketBufferBytes,
    graceMs: config.shutdownGraceMs,
    metrics,
  });

  return {
    http,
    core,
    ws,
    metrics,
    async listen(port = config.port, host = config.host) {
      // After a node restarts, thousands of clients reconnect within a second; Node's default
      // accept backlog (511) drops their SYNs and the kernel retries them only after 1 s, 3 s, 7 s.
      await http.listen({ port, host, backlog: LISTEN_BACKLOG });
      const address = http.server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      return { port: bound, url: `http://127.0.0.1:${bound}` };
    },
    async close(closeCode) {
      shuttingDown = true;
      // Stops listening at once; resolves when in-flight HTTP requests have been answered.
      const httpClosed = http.close();
      await ws.close(closeCode);
      core.hub.close();
      await httpClosed;
    },
  };
}

/**
 * Metrics and recovery around the bus: commit and delivery latency, and catching connections up
 * from the store when the bus comes back from an outage in which events were lost.
 */
function observeDelivery(core: Core, metrics: Metrics, logger: Logger): void {
  core.store.observeCommits?.(({ size, created, seconds }) => {
    metrics.commitLatency.observe(seconds);
    metrics.commitBatchSize.observe(size);
    metrics.messagesAccepted.inc(created);
  });
  // Subscribed after the hub, so this runs once the message was handed to local connections.
  core.bus.subscribe((envelope) => {
    if (envelope.frame.type !== 'chat_message') return;
    const accepted = Date.parse(envelope.frame.timestamp);
    if (Number.isFinite(accepted)) metrics.deliveryLatency.observe(Math.max(0, Date.now() - accepted) / 1000);
  });
  core.bus.onRecovered?.(() => {
    const subscribers = core.hub.subscribers();
    logger.warn({ connections: subscribers.length }, 'bus recovered: catching connections up from the store');
    // A moment for the re-subscription to settle, so nothing published meanwhile falls between.
    setTimeout(() => {
      for (const subscriber of subscribers) void subscriber.catchUp();
    }, 200).unref();
  });
}
