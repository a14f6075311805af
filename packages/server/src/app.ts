import { join } from 'node:path';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Bus } from './bus/bus.js';
import type { Config } from './config.js';
import type { AttachmentStorage } from './core/attachments.js';
import { type Clock, systemClock } from './core/clock.js';
import { type Core, createCore } from './core/index.js';
import type { MessagingPolicy } from './core/policy.js';
import { type EventDoors, registerEventDoors } from './doors/events/index.js';
import { registerAuthRoutes } from './doors/http/auth-routes.js';
import { registerConversationRoutes } from './doors/http/conversation-routes.js';
import { registerErrorHandling } from './doors/http/errors.js';
import { registerHealthRoutes } from './doors/http/health-routes.js';
import { registerLiveRoutes } from './doors/http/live-routes.js';
import { attachWsDoor, type WsDoor } from './doors/ws/ws-door.js';
import { createLogger } from './log.js';
import { FileAttachmentStorage } from './store/file-attachment-storage.js';
import type { Store } from './store/store.js';

/** How long a shutdown waits for HTTP requests in flight before closing their connections. */
const CLOSE_GRACE_MS = 2000;

export interface AppDeps {
  store: Store;
  bus: Bus;
  clock?: Clock;
  logger?: Logger;
  policy?: MessagingPolicy;
  attachmentStorage?: AttachmentStorage;
}

export interface App {
  http: FastifyInstance;
  core: Core;
  ws: WsDoor;
  /** Server-Sent Events, long-poll and `POST /api/frames`. */
  events: EventDoors;
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
    editWindowSeconds: config.editWindowSeconds,
    typingTtlMs: config.typingTtlMs,
    presenceGraceMs: config.presenceGraceMs,
    attachmentStorage:
      deps.attachmentStorage ?? new FileAttachmentStorage(join(config.dataDir, 'attachments')),
    attachmentMaxBytes: config.attachmentMaxBytes,
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
  await http.register(multipart, { limits: { files: 1, fileSize: config.attachmentMaxBytes, fields: 5 } });
  registerErrorHandling(http);
  registerHealthRoutes(http, core, () => shuttingDown);
  registerAuthRoutes(http, core, { cookieSecure: config.cookieSecure });
  registerConversationRoutes(http, core);
  registerLiveRoutes(http, core);
  const events = registerEventDoors(http, core, { maxBufferBytes: config.maxSocketBufferBytes });
  await http.ready();

  const ws = attachWsDoor(http.server, core, http.log, {
    maxFrameBytes: config.maxFrameBytes,
    maxSocketBufferBytes: config.maxSocketBufferBytes,
    heartbeatMs: config.heartbeatMs,
  });

  return {
    http,
    core,
    ws,
    events,
    async listen(port = config.port, host = config.host) {
      await http.listen({ port, host });
      const address = http.server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      return { port: bound, url: `http://127.0.0.1:${bound}` };
    },
    async close(closeCode) {
      shuttingDown = true;
      await ws.close(closeCode);
      events.close();
      core.close();
      // A connection that never sent a request is not "idle" to Node and would hold the close
      // open until headersTimeout (a minute); after a grace for requests in flight, drop the rest.
      const stragglers = setTimeout(() => http.server.closeAllConnections(), CLOSE_GRACE_MS);
      stragglers.unref();
      await http.close();
      clearTimeout(stragglers);
    },
  };
}
