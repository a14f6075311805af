import type { Server as HttpServer } from 'node:http';
import type { ServerFrame } from '@carechat/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { Server, type Socket } from 'socket.io';
import type { Actor } from '../../core/actor.js';
import { isCoreError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
import { Subscriber } from '../../core/subscriber.js';
import type { AddressOf } from '../client-address.js';
import { authenticate, readCookie, SESSION_COOKIE } from '../credentials.js';
import { originAllowed } from '../http/hardening.js';
import { type MessageContext, renderFrame } from './render.js';
import { SocketIoConnection } from './socketio-connection.js';

export const SOCKETIO_PATH = '/socket.io/';

export interface SocketIoDoorOptions {
  maxFrameBytes: number;
  corsOrigins: readonly string[];
  /** Events waiting to be rendered for one socket before it is cut off. */
  maxPendingEvents?: number;
  /** The client's address (TRUST_PROXY applied); the socket's remote address by default. */
  addressOf?: AddressOf;
}

export interface SocketIoDoor {
  close(): Promise<void>;
  readonly socketCount: number;
}

/**
 * The Socket.IO door for the seeds' Socket.IO clients (002, 003), on the same HTTP server at the
 * default path, WebSocket and long-polling transports both. Identity comes from the handshake
 * token (`auth.token` or `?token=`, or a bearer header or the session cookie), never from an event.
 */
export function attachSocketIoDoor(
  server: HttpServer,
  core: Core,
  log: FastifyBaseLogger,
  options: SocketIoDoorOptions,
): SocketIoDoor {
  const io = new Server(server, {
    path: SOCKETIO_PATH,
    serveClient: false,
    maxHttpBufferSize: options.maxFrameBytes,
    // Other doors own other upgrade paths (/ws): leave their upgrades alone.
    destroyUpgrade: false,
    // The same Origin rule as the WebSocket door, for polling and upgrades alike.
    allowRequest: (request, callback) =>
      callback(null, originAllowed(request.headers.origin, request.headers.host, options.corsOrigins)),
    ...(options.corsOrigins.length > 0
      ? { cors: { origin: [...options.corsOrigins], credentials: true } }
      : {}),
  });
  const maxBuffered = options.maxPendingEvents ?? 10_000;

  io.use((socket, next) => {
    const { auth, query, headers } = socket.handshake;
    const token =
      typeof auth.token === 'string' ? auth.token : typeof query.token === 'string' ? query.token : undefined;
    const address = options.addressOf ? options.addressOf(socket.request) : socket.handshake.address;
    authenticate(
      core,
      {
        authorization: headers.authorization,
        queryToken: token,
        sessionCookie: readCookie(headers.cookie, SESSION_COOKIE),
      },
      { door: 'socketio', address },
    ).then(
      (actor) => {
        try {
          socket.data.release = core.connections.acquire(actor.userId, address);
        } catch {
          next(Object.assign(new Error('rate_limited'), { data: { code: 'rate_limited', retry_after: 5 } }));
          return;
        }
        socket.data.actor = actor;
        next();
      },
      (error: unknown) => {
        if (!isCoreError(error))
          log.error({ err: { type: (error as Error).name } }, 'socket.io authentication failed');
        next(Object.assign(new Error('unauthenticated'), { data: { code: 'unauthenticated' } }));
      },
    );
  });

  io.on('connection', (socket: Socket) => {
    const actor = socket.data.actor as Actor;
    // Rendering a message looks up its consultation and sender; a chain keeps the seq order.
    let rendering: Promise<void> = Promise.resolve();
    let pending = 0;
    const emit = (frame: ServerFrame) => {
      if (pending >= maxBuffered) {
        // A consumer this far behind is cut off rather than allowed to grow memory; it reconnects
        // and reloads history.
        socket.disconnect(true);
        return;
      }
      pending += 1;
      rendering = rendering
        .then(async () => {
          if (!socket.connected) return;
          const [event, payload] = renderFrame(frame, await messageContext(core, frame));
          socket.emit(event, payload);
        })
        .catch((error: unknown) =>
          log.error({ err: { type: (error as Error).name } }, 'socket.io render failed'),
        )
        .finally(() => {
          pending -= 1;
        });
    };
    const subscriber = new Subscriber(
      actor,
      {
        send: emit,
        revoked() {
          // After the frames already queued (the session_revoked event among them).
          rendering = rendering.then(() => {
            socket.emit('error', {
              code: 'unauthenticated',
              message: 'The session has ended; sign in again.',
            });
            socket.disconnect(true);
          });
        },
      },
      { fillGap: (id, after, before) => core.messages.between(actor, id, after, before) },
    );
    new SocketIoConnection(core, actor, subscriber, log).attach(socket);
    void core.hub.add(subscriber);
    socket.on('disconnect', () => {
      (socket.data.release as (() => void) | undefined)?.();
      void core.hub.remove(subscriber);
    });
  });

  return {
    get socketCount() {
      return io.of('/').sockets.size;
    },
    async close() {
      io.disconnectSockets(true);
      // Closes engine.io's clients (polling and WebSocket) without closing the shared HTTP server.
      io.engine.close();
    },
  };
}

async function messageContext(core: Core, frame: ServerFrame): Promise<MessageContext | undefined> {
  if (frame.type !== 'chat_message' && frame.type !== 'message_sent') return undefined;
  const [consultationId, sender] = await Promise.all([
    core.consultations.idForConversation(frame.conversation_id),
    core.users.get(frame.sender_id),
  ]);
  return { consultationId, senderRole: sender?.role };
}
