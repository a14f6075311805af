import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CLOSE_CODES, type ServerFrame } from '@carechat/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { accessConversation } from '../../core/access.js';
import type { Actor } from '../../core/actor.js';
import { isCoreError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
import { Subscriber } from '../../core/subscriber.js';
import type { Metrics } from '../../metrics.js';
import type { AddressOf } from '../client-address.js';
import { authenticate, readCookie, SESSION_COOKIE } from '../credentials.js';
import { originAllowed } from '../http/hardening.js';
import { WsConnection } from './ws-connection.js';

export interface WsDoorOptions {
  maxFrameBytes: number;
  /** A socket whose unsent data passes this is cut off; it resumes by seq when it reconnects. */
  maxSocketBufferBytes: number;
  /** Heartbeat: a socket that does not answer a ping within this interval is dropped. */
  heartbeatMs?: number;
  /** On close: how long in-flight frames (sends being committed) may take before sockets close. */
  graceMs?: number;
  metrics?: Metrics;
  /** Browser pages from these origins (and the same origin) may open sockets; others get 403. */
  corsOrigins?: readonly string[];
  /** The client's address (TRUST_PROXY applied); the socket's remote address by default. */
  addressOf?: AddressOf;
}

/** `/ws` (all of a user's conversations) and `/ws/chat/:conversation_id/` (seed 004's socket). */
const ALL_PATH = /^\/ws\/?$/;
const CHAT_PATH = /^\/ws\/chat\/([^/]{1,64})\/?$/;

export interface WsDoor {
  /**
   * Stops accepting, lets frames already received finish (their commits and acks), then closes
   * every socket with the given code (1012 on restart, so clients move to another node at once).
   */
  close(code?: number, reason?: string): Promise<void>;
  readonly socketCount: number;
}

/**
 * The native WebSocket door. It authenticates the upgrade, registers the socket with the hub
 * under its user, and hands client frames to a WsConnection. Nothing past here sees raw input.
 */
export function attachWsDoor(
  server: import('node:http').Server,
  core: Core,
  log: FastifyBaseLogger,
  options: WsDoorOptions,
): WsDoor {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxFrameBytes,
    perMessageDeflate: false,
  });
  const alive = new WeakMap<WebSocket, boolean>();
  const connections = new Set<WsConnection>();
  let accepting = true;
  const sockets = { all: 0, chat: 0 };
  options.metrics?.trackConnections('ws', () => sockets.all);
  options.metrics?.trackConnections('ws_chat', () => sockets.chat);

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://localhost');
    // Socket.IO's upgrades on the same server are its own door's business.
    if (url.pathname.startsWith('/socket.io/')) return;
    const chat = CHAT_PATH.exec(url.pathname);
    if (!accepting || (!chat && !ALL_PATH.test(url.pathname))) {
      socket.end(accepting ? 'HTTP/1.1 404 Not Found\r\n\r\n' : 'HTTP/1.1 503 Service Unavailable\r\n\r\n');
      return;
    }
    // A page from another site must not ride on the user's cookie (cross-site WebSocket hijacking).
    if (!originAllowed(request.headers.origin, request.headers.host, options.corsOrigins ?? [])) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    let conversationId: string | undefined;
    try {
      conversationId = chat ? decodeURIComponent(chat[1]!) : undefined;
    } catch {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    void admit(request, url, conversationId).then((admission) => {
      wss.handleUpgrade(request, socket, head, (ws) => {
        if ('closeCode' in admission) {
          admission.release?.();
          ws.close(admission.closeCode, admission.reason);
        } else open(ws, admission.actor, conversationId, admission.release);
      });
    });
  });

  async function admit(
    request: IncomingMessage,
    url: URL,
    conversationId: string | undefined,
  ): Promise<
    { actor: Actor; release: () => void } | { closeCode: number; reason: string; release?: () => void }
  > {
    let actor: Actor;
    const address = (options.addressOf ?? ((r: IncomingMessage) => r.socket.remoteAddress))(request);
    try {
      actor = await authenticate(
        core,
        {
          authorization: request.headers.authorization,
          queryToken: url.searchParams.get('token') ?? undefined,
          sessionCookie: readCookie(request.headers.cookie, SESSION_COOKIE),
        },
        { door: conversationId === undefined ? 'ws' : 'ws_chat', address },
      );
    } catch (error) {
      if (isCoreError(error)) return { closeCode: CLOSE_CODES.unauthenticated, reason: 'unauthenticated' };
      log.error({ err: { type: (error as Error).name } }, 'upgrade authentication failed');
      return { closeCode: 1011, reason: 'internal error' };
    }
    if (conversationId !== undefined) {
      try {
        await accessConversation(core.store, actor, conversationId);
      } catch (error) {
        if (isCoreError(error)) return { closeCode: CLOSE_CODES.forbidden, reason: error.code };
        return { closeCode: 1011, reason: 'internal error' };
      }
    }
    try {
      return { actor, release: core.connections.acquire(actor.userId, address) };
    } catch {
      return { closeCode: CLOSE_CODES.rateLimited, reason: 'rate_limited' };
    }
  }

  function open(ws: WebSocket, actor: Actor, conversationId: string | undefined, release: () => void): void {
    const door = conversationId === undefined ? 'ws' : 'ws_chat';
    const delivered = options.metrics?.messagesDelivered.labels({ door });
    const send = (frame: ServerFrame) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > options.maxSocketBufferBytes) {
        // A slow consumer is cut off rather than allowed to grow memory or stall others.
        ws.close(1013, 'slow consumer: reconnect and resume');
        return;
      }
      ws.send(JSON.stringify(frame));
      if (frame.type === 'chat_message') delivered?.inc();
    };
    const subscriber = new Subscriber(
      actor,
      {
        send(frame) {
          send(frame);
          // Seed 004's clients draw their own messages from the room's chat_message echo.
          if (conversationId !== undefined && frame.type === 'message_sent')
            send({ ...frame, type: 'chat_message' });
          // Removed from the conversation this socket is about: nothing more will come through it.
          if (conversationId !== undefined && frame.type === 'user_left' && frame.user_id === actor.userId)
            ws.close(CLOSE_CODES.forbidden, 'not_participant');
        },
        revoked() {
          ws.close(CLOSE_CODES.unauthenticated, 'session ended');
        },
      },
      {
        ...(conversationId === undefined ? {} : { conversationId }),
        fillGap: (id, after, before) => core.messages.between(actor, id, after, before),
      },
    );
    const connectionLog = log.child({ conn: subscriber.id, door });
    const errors = options.metrics?.errors;
    const connection = new WsConnection(core, actor, subscriber, connectionLog, (code) =>
      errors?.inc({ code, door }),
    );
    connections.add(connection);
    alive.set(ws, true);
    if (conversationId === undefined) sockets.all += 1;
    else sockets.chat += 1;
    connectionLog.debug('socket opened');
    void core.hub.add(subscriber).catch(() => {});

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        subscriber.reply({ type: 'error', code: 'invalid_request', message: 'Frames must be JSON text.' });
        return;
      }
      connection.receive(rawToString(data));
    });
    ws.on('pong', () => alive.set(ws, true));
    ws.on('error', () => ws.terminate());
    ws.on('close', (code: number) => {
      release();
      // Kept until its last frames are handled, so a graceful close waits for their commits.
      void connection.idle().then(() => connections.delete(connection));
      if (conversationId === undefined) sockets.all -= 1;
      else sockets.chat -= 1;
      connectionLog.debug({ code }, 'socket closed');
      void core.hub.remove(subscriber).catch(() => {});
    });
  }

  /** Resolves when every connection has handled the frames it received, or after `ms`. */
  function settle(ms: number): Promise<void> {
    return withDeadline(
      Promise.all([...connections].map((c) => c.idle())).then(() => {}),
      ms,
    );
  }

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  return {
    get socketCount() {
      return wss.clients.size;
    },
    async close(code = CLOSE_CODES.goingAway, reason = 'server shutting down') {
      accepting = false;
      clearInterval(heartbeat);
      // One budget for both waits below, so the whole close stays within it (plus the 1 s handshake).
      const deadline = Date.now() + (options.graceMs ?? 5000);
      await settle(deadline - Date.now());
      for (const ws of wss.clients) ws.close(code, reason);
      // Frames a client sent before it saw our close are still handled: wait for the closing
      // handshakes (a peer that never answers must not hold the process), then for the frames.
      await withDeadline(
        Promise.all(
          [...wss.clients].map((ws) => new Promise<void>((resolve) => ws.once('close', () => resolve()))),
        ).then(() => {}),
        1000,
      );
      for (const ws of wss.clients) ws.terminate();
      await settle(Math.max(0, deadline - Date.now()));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
