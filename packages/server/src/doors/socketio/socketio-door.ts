import type { Server as HttpServer } from 'node:http';
import type { ServerFrame } from '@carechat/protocol';
import { Server, type Socket } from 'socket.io';
import type { Actor } from '../../core/actor.js';
import type { DomainEvent } from '../../core/events.js';
import type { Core } from '../../core/index.js';
import { type Refusal, refuseOrigin } from '../../live/admission.js';
import { readCookie, SESSION_COOKIE } from '../../live/credentials.js';
import type { LiveLayer } from '../../live/live-layer.js';
import type { AddressOf } from '../client-address.js';
import { withParticipantRows } from '../compat/seed-002-nextdentist/dentist-shapes.js';
import { LeftRooms, roomPresence } from '../compat/socket-rooms.js';
import { SocketIoConnection } from './socketio-connection.js';
import { encodeFrame } from './socketio-frames.js';

export const SOCKETIO_PATH = '/socket.io/';

export interface SocketIoDoorOptions {
  maxFrameBytes: number;
  corsOrigins: readonly string[];
  /** The client's address (TRUST_PROXY applied); the socket's remote address by default. */
  addressOf?: AddressOf;
}

export interface SocketIoDoor {
  close(): Promise<void>;
  readonly socketCount: number;
}

/**
 * The Socket.IO door for the seeds' Socket.IO clients (002, 003), on the same HTTP server at the
 * default path, WebSocket and long-polling transports both: a codec between Socket.IO events and
 * the live layer. Identity comes from the handshake token (`auth.token` or `?token=`, or a bearer
 * header or the session cookie), never from an event.
 */
export function attachSocketIoDoor(
  server: HttpServer,
  core: Core,
  live: LiveLayer,
  options: SocketIoDoorOptions,
): SocketIoDoor {
  const io = new Server(server, {
    path: SOCKETIO_PATH,
    serveClient: false,
    maxHttpBufferSize: options.maxFrameBytes,
    // Other doors own other upgrade paths (/ws): leave their upgrades alone.
    destroyUpgrade: false,
    // The live layer's origin rule, on every engine request (polling and upgrades alike): a refusal
    // is the engine's 403, before any handshake.
    allowRequest: (request, callback) =>
      callback(
        null,
        refuseOrigin({
          origin: request.headers.origin,
          host: request.headers.host,
          allowed: options.corsOrigins,
        }) === undefined,
      ),
    ...(options.corsOrigins.length > 0
      ? { cors: { origin: [...options.corsOrigins], credentials: true } }
      : {}),
  });

  // The handshake: admitted by the live layer, or refused with its code (connect_error).
  io.use((socket, next) => {
    const { auth, query, headers } = socket.handshake;
    const token =
      typeof auth.token === 'string' ? auth.token : typeof query.token === 'string' ? query.token : undefined;
    void live
      .admit({
        door: 'socketio',
        credentials: {
          authorization: headers.authorization,
          queryToken: token,
          sessionCookie: readCookie(headers.cookie, SESSION_COOKIE),
        },
        address: options.addressOf ? options.addressOf(socket.request) : socket.handshake.address,
      })
      .then((admission) => {
        if (!admission.admitted) return next(refusalError(admission.refusal));
        socket.data.admission = admission;
        next();
      });
  });

  io.on('connection', (socket: Socket) => {
    const { actor, release } = socket.data.admission as {
      actor: Actor;
      release: () => void;
    };
    const rooms = new LeftRooms();
    const session = live.open(
      actor,
      {
        send: (frame: ServerFrame, event?: DomainEvent) => {
          if (!socket.connected || !rooms.passes(frame)) return;
          if (frame.type === 'conversation_created') {
            // Rendered for this user: seed 002's participant rows say which one is theirs.
            socket.emit(frame.type, { conversation: withParticipantRows(frame.conversation, actor.userId) });
            return;
          }
          const [name, payload] = encodeFrame(frame, event);
          socket.emit(name, payload);
        },
        hear: (event: DomainEvent) => {
          if (!socket.connected || event.kind !== 'room.changed') return;
          if (!rooms.hears(event.conversationId)) return;
          const [name, payload] = roomPresence(event);
          socket.emit(name, payload);
        },
        bufferedBytes: () => bufferedBytes(socket),
        needsMessageContext: true,
        close(reason) {
          if (reason === 'revoked')
            socket.emit('error', {
              code: 'unauthenticated',
              message: 'The session has ended; sign in again.',
            });
          socket.disconnect(true);
        },
      },
      { door: 'socketio', release },
    );
    new SocketIoConnection(core, actor, session, rooms).attach(socket);
    socket.on('disconnect', () => live.end(session));
  });

  return {
    get socketCount() {
      return io.of('/').sockets.size;
    },
    async close() {
      await live.drain(['socketio'], () => {
        io.disconnectSockets(true);
        // Closes engine.io's clients (polling and WebSocket) without closing the shared HTTP server.
        io.engine.close();
      });
    },
  };
}

/** A refusal as Socket.IO says it: `connect_error` with the code (and when to retry). */
function refusalError(refusal: Refusal): Error {
  return Object.assign(new Error(refusal.code), {
    data: {
      code: refusal.code,
      ...(refusal.retryAfter === undefined ? {} : { retry_after: refusal.retryAfter }),
    },
  });
}

/** What engine.io holds for the socket and has not yet written (packets waiting, bytes in the socket). */
function bufferedBytes(socket: Socket): number {
  const conn = socket.conn as unknown as {
    writeBuffer?: Array<{ data?: unknown }>;
    transport?: { socket?: { bufferedAmount?: number } };
  };
  let bytes = conn.transport?.socket?.bufferedAmount ?? 0;
  for (const packet of conn.writeBuffer ?? []) {
    if (typeof packet.data === 'string') bytes += packet.data.length;
    else if (packet.data instanceof Uint8Array) bytes += packet.data.byteLength;
  }
  return bytes;
}
