import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { CLOSE_CODES, decodeClientFrame, type ServerFrame } from '@carechat/protocol';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { DomainEvent } from '../../core/events.js';
import { REFUSALS, type Refusal } from '../../live/admission.js';
import { readCookie, SESSION_COOKIE } from '../../live/credentials.js';
import type { LiveLayer } from '../../live/live-layer.js';
import type { CloseReason, LiveSession, LiveSink } from '../../live/session.js';
import type { Metrics } from '../../metrics.js';
import type { AddressOf } from '../client-address.js';
import { type SidebarFrame, sidebarFrames } from '../compat/seed-001-channels-sidebar/sidebar-frames.js';
import { hookFrames, removedFrom } from '../compat/seed-004-channels/hook-frames.js';
import { jsonFrame } from '../json-frame.js';

export interface WsDoorOptions {
  maxFrameBytes: number;
  /** Heartbeat: a socket that does not answer a ping within this interval is dropped. */
  heartbeatMs?: number;
  metrics?: Metrics;
  /** Browser pages from these origins (and the same origin) may open sockets; others get 403. */
  corsOrigins?: readonly string[];
  /** The client's address (TRUST_PROXY applied); the socket's remote address by default. */
  addressOf?: AddressOf;
}

/** `/ws` (all of a user's conversations) and `/ws/chat/:conversation_id/` (seed 004's socket). */
const ALL_PATH = /^\/ws\/?$/;
/** Seed 001's per-user socket: all of the user's conversations, in its profile's frames. */
const SIDEBAR_PATH = /^\/ws\/chat\/?$/;
const CHAT_PATH = /^\/ws\/chat\/([^/]{1,64})\/?$/;

/** How long a closing handshake may take on shutdown before the socket is dropped. */
const CLOSING_HANDSHAKE_MS = 1000;

export interface WsDoor {
  /**
   * Stops accepting, lets frames already received finish (their commits and acks), then closes
   * every socket with the given code (1012 on restart, so clients move to another node at once).
   */
  close(code?: number, reason?: string): Promise<void>;
  readonly socketCount: number;
}

/**
 * The native WebSocket door, a codec: JSON text frames in, decoded once into client frames for the
 * live session; frames out as JSON text. Admission, ordering, acks, cut-off and drain are the
 * live layer's (packages/server/src/live).
 */
export function attachWsDoor(
  server: import('node:http').Server,
  live: LiveLayer,
  options: WsDoorOptions,
): WsDoor {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxFrameBytes,
    perMessageDeflate: false,
  });
  options.metrics?.trackConnections('ws', () => live.count('ws'));
  options.metrics?.trackConnections('ws_chat', () => live.count('ws_chat'));

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://localhost');
    // Socket.IO's upgrades on the same server are its own door's business.
    if (url.pathname.startsWith('/socket.io/')) return;
    if (!live.admitting) return refuseHandshake(wss, request, socket, head, REFUSALS.unavailable);
    const chat = CHAT_PATH.exec(url.pathname);
    const sidebar = SIDEBAR_PATH.test(url.pathname);
    if (!chat && !sidebar && !ALL_PATH.test(url.pathname))
      return refuseHandshake(wss, request, socket, head, REFUSALS.notFound);
    let conversationId: string | undefined;
    try {
      conversationId = chat ? decodeURIComponent(chat[1]!) : undefined;
    } catch {
      return refuseHandshake(wss, request, socket, head, REFUSALS.notFound);
    }
    const door = conversationId === undefined ? 'ws' : 'ws_chat';
    void live
      .admit({
        door,
        credentials: {
          authorization: request.headers.authorization,
          queryToken: url.searchParams.get('token') ?? undefined,
          sessionCookie: readCookie(request.headers.cookie, SESSION_COOKIE),
        },
        address: (options.addressOf ?? ((r: IncomingMessage) => r.socket.remoteAddress))(request),
        // A page from another site must not ride on the user's cookie (cross-site WebSocket hijacking).
        origin: {
          origin: request.headers.origin,
          host: request.headers.host,
          allowed: options.corsOrigins ?? [],
        },
        conversationId,
      })
      .then((admission) => {
        if (!admission.admitted) return refuseHandshake(wss, request, socket, head, admission.refusal);
        wss.handleUpgrade(request, socket, head, (ws) => {
          const profile = sidebar ? 'seed001' : conversationId === undefined ? 'ws' : 'seed004';
          const sink = new WsSink(ws, socket, profile, admission.actor.userId);
          const session = live.open(admission.actor, sink, {
            door,
            release: admission.release,
            conversationId,
            // Seed 004's hook reconnects with its own backoff and never says what it holds.
            resumeFromSessionCursor: conversationId !== undefined,
            heartbeatMs: options.heartbeatMs ?? 15_000,
          });
          attach(ws, session);
        });
      });
  });

  function attach(ws: WebSocket, session: LiveSession): void {
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        session.error('invalid_request', 'Frames must be JSON text.');
        return;
      }
      // Decoding is synchronous: a malformed frame is answered at once and never takes a queue place.
      const decoded = decodeClientFrame(rawToString(data));
      if (decoded.ok) session.receive(decoded.frame);
      else session.error('invalid_request', decoded.message, decoded.ref);
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => live.end(session));
  }

  return {
    get socketCount() {
      return wss.clients.size;
    },
    async close(code = CLOSE_CODES.goingAway, reason = 'server shutting down') {
      await live.drain(['ws', 'ws_chat'], async () => {
        for (const ws of wss.clients) ws.close(code, reason);
        // Frames a client sent before it saw our close are still handled (the drain waits for
        // them); a peer that never answers the closing handshake must not hold the process.
        await withDeadline(
          Promise.all(
            [...wss.clients].map((ws) => new Promise<void>((resolve) => ws.once('close', () => resolve()))),
          ).then(() => {}),
          CLOSING_HANDSHAKE_MS,
        );
        for (const ws of wss.clients) ws.terminate();
      });
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * The socket as a live session's sink: frames out as JSON text, the layer's closes as close
 * codes. A class, so its methods are shared by every socket rather than made for each.
 */
class WsSink implements LiveSink {
  #alive = true;
  /** Frames written in this tick wait in the socket until its end (see write). */
  #corked = false;
  /** Seed 001's frames name both people of a 1:1 conversation, which gap fills must carry too. */
  readonly needsMessageContext: boolean;

  constructor(
    private readonly ws: WebSocket,
    /** The socket under `ws`, held back within a tick so that its frames go out together. */
    private readonly socket: Duplex,
    /** Which wire this socket speaks: the protocol's, or a seed's profile (doors/compat). */
    private readonly profile: 'ws' | 'seed001' | 'seed004',
    private readonly userId: string,
  ) {
    this.needsMessageContext = profile === 'seed001';
    ws.on('pong', () => this.pong());
  }

  send(frame: ServerFrame, event?: DomainEvent): void {
    if (this.profile === 'ws') {
      this.write(frame);
      return;
    }
    if (this.profile === 'seed001') {
      for (const out of sidebarFrames(frame, event, this.userId)) this.write(out);
      return;
    }
    // /ws/chat/:id/ speaks seed 004's profile (doors/compat/seed-004-channels).
    for (const out of hookFrames(frame)) this.write(out);
    // Removed from the conversation this socket is about: nothing more will come through it.
    if (removedFrom(frame, this.userId)) this.ws.close(CLOSE_CODES.forbidden, 'not_participant');
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  close(reason: CloseReason): void {
    if (reason === 'unresponsive') this.ws.terminate();
    else this.ws.close(...CLOSES[reason]);
  }

  heartbeat(): boolean {
    if (!this.#alive) return false;
    this.#alive = false;
    this.ws.ping();
    return true;
  }

  private pong(): void {
    this.#alive = true;
  }

  private write(frame: ServerFrame | SidebarFrame): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    // A message reaches its recipient as a chat_message and a notification, a sender as its ack
    // among others' messages: everything written to one socket in one tick leaves in one system
    // call, not one per frame (on loopback each call also runs the receiving side of TCP).
    if (!this.#corked) {
      this.#corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.socket.uncork();
      });
    }
    this.ws.send(jsonFrame(frame));
  }
}

/** How the live layer's reasons to end a session are said on a WebSocket. */
const CLOSES: Record<Exclude<CloseReason, 'unresponsive'>, [number, string]> = {
  revoked: [CLOSE_CODES.unauthenticated, 'session ended'],
  slow_consumer: [1013, 'slow consumer: reconnect and resume'],
  not_participant: [CLOSE_CODES.forbidden, 'not_participant'],
};

/**
 * The one way this door refuses a handshake (like ws's `abortHandshake`): before the upgrade with
 * the HTTP status, or, once the client is known, after it with the close code the client acts on.
 */
function refuseHandshake(
  wss: WebSocketServer,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  refusal: Refusal,
): void {
  if (!refusal.beforeUpgrade) {
    wss.handleUpgrade(request, socket, head, (ws) => ws.close(refusal.closeCode, refusal.reason));
    return;
  }
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = STATUS_CODES[refusal.status] ?? '';
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${refusal.status} ${body}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
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
