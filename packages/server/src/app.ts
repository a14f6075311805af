import type { Agent } from 'node:https';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { type Core, createCore } from './core/index.js';
import type { MessagingPolicy } from './core/policy.js';
import type { AttachmentStorage } from './core/ports/attachment-storage.js';
import type { Bus } from './core/ports/bus.js';
import type { CareStore } from './core/ports/care-store.js';
import { type Clock, systemClock } from './core/ports/clock.js';
import type { NotificationStore } from './core/ports/notification-store.js';
import type { SecurityStore } from './core/ports/security-store.js';
import type { Store } from './core/ports/store.js';
import type { Presence } from './core/presence.js';
import { addressResolver } from './doors/client-address.js';
import { registerSeedProfiles } from './doors/compat/seed-profiles.js';
import { type EventDoors, registerEventDoors } from './doors/events/index.js';
import { registerAdminRoutes } from './doors/http/admin-routes.js';
import { registerAuthRoutes } from './doors/http/auth-routes.js';
import { registerCareRoutes } from './doors/http/care-routes.js';
import { registerConversationRoutes } from './doors/http/conversation-routes.js';
import { registerErrorHandling } from './doors/http/error-handling.js';
import { registerHardening } from './doors/http/hardening.js';
import { registerHealthRoutes } from './doors/http/health-routes.js';
import { registerLinkRoutes } from './doors/http/link-routes.js';
import { registerLiveRoutes } from './doors/http/live-routes.js';
import { registerMeRoutes } from './doors/http/me-routes.js';
import { registerMetricsRoute } from './doors/http/metrics-route.js';
import { registerNotificationRoutes } from './doors/http/notification-routes.js';
import { registerParticipantRoutes } from './doors/http/participant-routes.js';
import { registerPracticeRoutes } from './doors/http/practice-routes.js';
import { registerServerApiRoutes } from './doors/http/server-api-routes.js';
import { registerWebApp } from './doors/http/web-app.js';
import { attachSocketIoDoor, type SocketIoDoor } from './doors/socketio/socketio-door.js';
import { attachWsDoor, type WsDoor } from './doors/ws/ws-door.js';
import { LiveLayer } from './live/live-layer.js';
import { startSessionSweep } from './live/session-sweep.js';
import { createLogger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { Notifications } from './notify/notifications.js';
import { chooseAttachmentStorage } from './store/attachment-storage-choice.js';
import { careStoreFor } from './store/care-kysely-store.js';
import { notificationStoreFor } from './store/notification-kysely-store.js';
import { practiceStoreFor } from './store/practice-kysely-store.js';
import { securityStoreFor } from './store/security-kysely-store.js';

/** After the sockets have closed on shutdown, how long HTTP connections still open may stay. */
const STRAGGLER_GRACE_MS = 1000;

export interface AppDeps {
  store: Store;
  bus: Bus;
  clock?: Clock;
  logger?: Logger;
  policy?: MessagingPolicy;
  attachmentStorage?: AttachmentStorage;
  /** Defaults to the care store sharing `store`'s database. */
  care?: CareStore;
  /** Shared presence (Redis) when several nodes run; in-memory otherwise. */
  presence?: Presence;
  /** Defaults to a fresh registry for this app. */
  metrics?: Metrics;
  /** Defaults to the security store sharing `store`'s database. */
  security?: SecurityStore;
  /** Defaults to the notification store sharing `store`'s database. */
  notifications?: NotificationStore;
  /** HTTPS agent for push services (tests trust their local push endpoint with it). */
  pushAgent?: Agent;
}

export interface App {
  http: FastifyInstance;
  core: Core;
  /** The live-session layer every live door goes through (admission, sessions, drain). */
  live: LiveLayer;
  ws: WsDoor;
  metrics: Metrics;
  /** Server-Sent Events, long-poll and `POST /api/frames`. */
  events: EventDoors;
  socketio: SocketIoDoor;
  /** Push and email to people who are not looking (off unless configured). */
  notifications: Notifications;
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
  const care = deps.care ?? careStoreFor(deps.store);
  const notifications = new Notifications({
    config: config.notify,
    store: deps.store,
    care,
    notifications: deps.notifications ?? notificationStoreFor(deps.store),
    clock: deps.clock ?? systemClock,
    secret: config.jwtSecret,
    nodeId: config.nodeId,
    ...(deps.pushAgent ? { pushAgent: deps.pushAgent } : {}),
    onOutcome: (step, outcome) => metrics.notifications.inc({ step, outcome }),
    onError: (error) =>
      logger.error(
        { err: { type: error instanceof Error ? error.name : typeof error } },
        'notification failed',
      ),
  });
  const core = createCore({
    store: deps.store,
    bus: notifications.watching(deps.bus),
    clock: deps.clock ?? systemClock,
    jwtSecret: config.jwtSecret,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    sessionTtlDays: config.sessionTtlDays,
    signInLinkTtlSeconds: config.signInLinkTtlSeconds,
    practitionerSignup: config.practitionerSignup,
    ...(config.signupConfirmation === 'email' && notifications.mailer
      ? { signupConfirmation: { mailer: notifications.mailer, publicUrl: config.notify.publicUrl } }
      : {}),
    maxMessageBytes: config.maxMessageBytes,
    editWindowSeconds: config.editWindowSeconds,
    typingTtlMs: config.typingTtlMs,
    presenceGraceMs: config.presenceGraceMs,
    attachmentStorage:
      deps.attachmentStorage ??
      chooseAttachmentStorage(config.attachmentStorage, deps.store, config.dataDir, {
        s3: config.s3,
        logger,
      }),
    attachmentMaxBytes: config.attachmentMaxBytes,
    care,
    practices: practiceStoreFor(deps.store),
    messagingPolicy: config.messagingPolicy,
    consultationWindowHours: config.consultationWindowHours,
    security: deps.security ?? securityStoreFor(deps.store),
    securitySettings: {
      sessionIdleMinutes: config.sessionIdleMinutes,
      refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
      loginFreeAttemptsPerAccount: config.loginFreeAttemptsPerAccount,
      loginFreeAttemptsPerAccountTotal: config.loginFreeAttemptsPerAccountTotal,
      loginFreeAttemptsPerAddress: config.loginFreeAttemptsPerAddress,
      loginMaxBlockSeconds: config.loginMaxBlockSeconds,
      sendRatePerSecond: config.sendRatePerSecond,
      sendBurst: config.sendBurst,
      uploadsPerMinute: config.uploadsPerMinute,
      maxConnectionsPerUser: config.maxConnectionsPerUser,
      maxConnectionsPerAddress: config.maxConnectionsPerAddress,
      retentionDays: config.retentionDays,
      signupsPerHourPerAddress: config.signupsPerHourPerAddress,
      appointmentRequestsPerHour: config.appointmentRequestsPerHour,
      groupsPerHour: config.groupsPerHour,
    },
    onBackgroundError: (error) =>
      logger.error(
        { err: { type: error instanceof Error ? error.name : typeof error } },
        'background task failed',
      ),
    ...(deps.policy ? { policy: deps.policy } : {}),
    ...(deps.presence ? { presence: deps.presence } : {}),
  });
  const live = new LiveLayer(core, {
    maxBufferedBytes: config.maxSocketBufferBytes,
    graceMs: config.shutdownGraceMs,
    log: logger,
    metrics,
    onBackgroundError: (error) =>
      logger.error(
        { err: { type: error instanceof Error ? error.name : typeof error } },
        'live connection task failed',
      ),
  });
  observeDelivery(core, live, metrics, logger);

  const http: FastifyInstance = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance type the default one.
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: Math.max(config.maxFrameBytes, 64 * 1024),
    // Only the configured proxies may say who the client is (audit addresses, per-address limits).
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(config.trustProxy)
        : config.trustProxy,
    requestIdHeader: 'x-request-id',
    // Slow-loris and idle clients: headers and bodies must arrive in time, idle keep-alives close.
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Malformed URLs and over-long path segments get the catalogue's error body, not Fastify's
    // (which would also echo the URL back).
    frameworkErrors: (error, _request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void (reply as unknown as FastifyReply).status(tooLong ? 404 : 400).send({
        error: tooLong
          ? { code: 'not_found', message: 'No such route.' }
          : { code: 'invalid_request', message: 'The URL is malformed.' },
      });
    },
  });
  http.server.headersTimeout = config.headersTimeoutMs;
  let shuttingDown = false;
  await registerHardening(http, {
    corsOrigins: config.corsOrigins,
    secure: config.cookieSecure,
    frameAncestors: config.frameAncestors,
  });
  await http.register(cookie);
  await http.register(multipart, { limits: { files: 1, fileSize: config.attachmentMaxBytes, fields: 5 } });
  registerErrorHandling(http, (code) => metrics.errors.inc({ code, door: 'http' }));
  registerHealthRoutes(http, core, () => shuttingDown);
  if (config.metricsKey !== undefined) registerMetricsRoute(http, metrics, config.metricsKey);
  registerAuthRoutes(http, core, {
    cookieSecure: config.cookieSecure,
    idleTimeoutSeconds: config.sessionIdleMinutes * 60,
  });
  registerMeRoutes(http, core);
  registerAdminRoutes(http, core);
  registerConversationRoutes(http, core);
  registerLiveRoutes(http, core);
  registerParticipantRoutes(http, core);
  registerCareRoutes(http, core);
  await registerSeedProfiles(http, core);
  registerPracticeRoutes(http, core);
  if (config.serverApiKey !== undefined) {
    registerServerApiRoutes(http, core, config.serverApiKey, { publicUrl: config.publicUrl });
  }
  registerLinkRoutes(http, core, { cookieSecure: config.cookieSecure });
  registerNotificationRoutes(http, core, notifications.preferenceService(core.audit));
  const addressOf = addressResolver(config.trustProxy);
  const events = registerEventDoors(http, core, live);
  if (await registerWebApp(http, config.webDistDir))
    logger.info({ webDistDir: config.webDistDir }, 'serving the web app');
  else
    logger.warn(
      { webDistDir: config.webDistDir },
      'the web app is not built (npm run build:web): / is not served',
    );
  await http.ready();

  const ws = attachWsDoor(http.server, live, {
    maxFrameBytes: config.maxFrameBytes,
    heartbeatMs: config.heartbeatMs,
    metrics,
    corsOrigins: config.corsOrigins,
    addressOf,
  });

  const socketio = attachSocketIoDoor(http.server, core, live, {
    maxFrameBytes: config.maxFrameBytes,
    corsOrigins: config.corsOrigins,
    addressOf,
  });

  core.doctorReady.start(config.doctorReadyCheckSeconds * 1000);
  core.retention.start(config.retentionCheckMinutes * 60_000);
  notifications.start();
  const sweep = startSessionSweep(live, config.sessionCheckSeconds * 1000, (error) =>
    logger.error(
      { err: { type: error instanceof Error ? error.name : typeof error } },
      'session sweep failed',
    ),
  );

  return {
    http,
    core,
    live,
    ws,
    metrics,
    events,
    socketio,
    notifications,
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
      live.stopAdmitting();
      core.doctorReady.stop();
      sweep.stop();
      await core.retention.stop();
      await notifications.stop();
      // Open event streams and waiting polls end first: they are in-flight requests that would
      // otherwise hold the HTTP server open; their clients resume elsewhere by cursor.
      const eventsClosed = events.close();
      // Stops listening at once; resolves when in-flight HTTP requests have been answered.
      const httpClosed = http.close();
      // Node closes only the connections idle at that moment; one busy then (a poll being
      // answered) would stay open, idle, for the whole keep-alive timeout: close those as they
      // become idle.
      const idleSweep = setInterval(() => http.server.closeIdleConnections(), 50);
      try {
        await eventsClosed;
        await ws.close(closeCode);
        await socketio.close();
        live.close();
        core.close();
        // Requests had the sockets' grace period to finish. A connection still open now is stuck
        // (a request whose headers never completed waits forever once the server stops checking
        // timeouts): it must not hold the shutdown.
        const stuck = setTimeout(() => http.server.closeAllConnections(), STRAGGLER_GRACE_MS);
        await httpClosed.finally(() => clearTimeout(stuck));
      } finally {
        clearInterval(idleSweep);
      }
      // Whatever the audit trail still buffers is written before the store is closed.
      await core.audit.close();
    },
  };
}

/**
 * Metrics and recovery around the bus: commit and delivery latency, and catching connections up
 * from the store when the bus comes back from an outage in which events were lost.
 */
function observeDelivery(core: Core, live: LiveLayer, metrics: Metrics, logger: Logger): void {
  core.store.observeCommits?.(({ size, created, seconds }) => {
    metrics.commitLatency.observe(seconds);
    metrics.commitBatchSize.observe(size);
    metrics.messagesAccepted.inc(created);
  });
  // Subscribed after the hub, so this runs once the message was handed to local connections.
  core.bus.subscribe((event) => {
    if (event.kind !== 'message.created') return;
    const accepted = Date.parse(event.message.timestamp);
    if (Number.isFinite(accepted)) metrics.deliveryLatency.observe(Math.max(0, Date.now() - accepted) / 1000);
  });
  core.bus.onRecovered?.(() => {
    logger.warn(
      { connections: live.connectionCount },
      'bus recovered: catching connections up from the store',
    );
    // A moment for the re-subscription to settle, so nothing published meanwhile falls between.
    setTimeout(() => live.catchUp(), 200).unref();
  });
}
