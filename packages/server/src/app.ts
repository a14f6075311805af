import cookie from '@fastify/cookie';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Bus } from './bus/bus.js';
import type { Config } from './config.js';
import { type Clock, systemClock } from './core/clock.js';
import { type Core, createCore } from './core/index.js';
import type { MessagingPolicy } from './core/policy.js';
import { registerAuthRoutes } from './doors/http/auth-routes.js';
import { registerCareRoutes } from './doors/http/care-routes.js';
import { registerConversationRoutes } from './doors/http/conversation-routes.js';
import { registerErrorHandling } from './doors/http/errors.js';
import { registerHealthRoutes } from './doors/http/health-routes.js';
import { registerParticipantRoutes } from './doors/http/participant-routes.js';
import { registerServerApiRoutes } from './doors/http/server-api-routes.js';
import { attachSocketIoDoor, type SocketIoDoor } from './doors/socketio/socketio-door.js';
import { attachWsDoor, type WsDoor } from './doors/ws/ws-door.js';
import { createLogger } from './log.js';
import { careStoreFor } from './store/care-kysely-store.js';
import type { CareStore } from './store/care-store.js';
import type { Store } from './store/store.js';

export interface AppDeps {
  store: Store;
  bus: Bus;
  clock?: Clock;
  logger?: Logger;
  policy?: MessagingPolicy;
  /** Defaults to the care store sharing `store`'s database. */
  care?: CareStore;
}

export interface App {
  http: FastifyInstance;
  core: Core;
  ws: WsDoor;
  socketio: SocketIoDoor;
  /** Listens; resolves with the bound address (port 0 picks a free port). */
  listen(port?: number, host?: string): Promise<{ port: number; url: string }>;
  /** Stops accepting, closes sockets with `closeCode`, and closes the HTTP server. Store and bus stay open. */
  close(closeCode?: number): Promise<void>;
}

/** Builds the whole server from config and its dependencies; only main.ts decides to listen for real. */
export async function buildApp(config: Config, deps: AppDeps): Promise<App> {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const core = createCore({
    store: deps.store,
    bus: deps.bus,
    clock: deps.clock ?? systemClock,
    jwtSecret: config.jwtSecret,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    sessionTtlDays: config.sessionTtlDays,
    allowPractitionerSignup: config.allowPractitionerSignup,
    maxMessageBytes: config.maxMessageBytes,
    care: deps.care ?? careStoreFor(deps.store),
    messagingPolicy: config.messagingPolicy,
    consultationWindowHours: config.consultationWindowHours,
    onBackgroundError: (error) =>
      logger.error(
        { err: { type: error instanceof Error ? error.name : typeof error } },
        'background task failed',
      ),
    ...(deps.policy ? { policy: deps.policy } : {}),
  });

  const http: FastifyInstance = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance type the default one.
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: Math.max(config.maxFrameBytes, 64 * 1024),
    trustProxy: true,
    requestIdHeader: 'x-request-id',
  });
  let shuttingDown = false;
  await http.register(cookie);
  registerErrorHandling(http);
  registerHealthRoutes(http, core, () => shuttingDown);
  registerAuthRoutes(http, core, { cookieSecure: config.cookieSecure });
  registerConversationRoutes(http, core);
  registerParticipantRoutes(http, core);
  registerCareRoutes(http, core);
  if (config.serverApiKey !== undefined) registerServerApiRoutes(http, core, config.serverApiKey);
  await http.ready();

  const ws = attachWsDoor(http.server, core, http.log, {
    maxFrameBytes: config.maxFrameBytes,
    maxSocketBufferBytes: config.maxSocketBufferBytes,
  });

  const socketio = attachSocketIoDoor(http.server, core, http.log, {
    maxFrameBytes: config.maxFrameBytes,
    corsOrigins: config.corsOrigins,
  });

  core.doctorReady.start(config.doctorReadyCheckSeconds * 1000);

  return {
    http,
    core,
    ws,
    socketio,
    async listen(port = config.port, host = config.host) {
      await http.listen({ port, host });
      const address = http.server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      return { port: bound, url: `http://127.0.0.1:${bound}` };
    },
    async close(closeCode) {
      shuttingDown = true;
      core.doctorReady.stop();
      await ws.close(closeCode);
      await socketio.close();
      core.hub.close();
      await http.close();
    },
  };
}
