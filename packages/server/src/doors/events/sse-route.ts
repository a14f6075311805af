import { eventStreamQuerySchema, type ServerFrame } from '@carechat/protocol';
import type { FastifyInstance } from 'fastify';
import { CoreError } from '../../core/errors.js';
import { EventChannel } from '../../core/event-channel.js';
import type { Core } from '../../core/index.js';
import { authenticate, SESSION_COOKIE } from '../credentials.js';
import { parse } from '../http/validate.js';
import { readCursor } from './cursor-param.js';
import type { OpenChannels } from './open-channels.js';

export interface SseOptions {
  /** A stream whose unsent data passes this is ended; the client resumes from its Last-Event-ID. */
  maxBufferBytes: number;
}

/** How long EventSource waits before reconnecting (the `retry:` field). */
const RETRY_MS = 1000;

/**
 * `GET /api/events/stream`: the user's events as Server-Sent Events. Message events carry the
 * cursor as their `id`, so EventSource's automatic reconnect (with `Last-Event-ID`) resumes exactly.
 * EventSource cannot set headers, so besides a bearer token this accepts `?token=` and the cookie.
 */
export function registerSseRoute(
  app: FastifyInstance,
  core: Core,
  channels: OpenChannels,
  options: SseOptions,
): void {
  app.get('/api/events/stream', async (request, reply) => {
    if (channels.closed) throw new CoreError('unavailable');
    const query = parse(eventStreamQuerySchema, request.query);
    const actor = await authenticate(
      core,
      {
        authorization: request.headers.authorization,
        queryToken: query.token,
        sessionCookie: request.cookies[SESSION_COOKIE],
      },
      { door: 'sse', address: request.ip },
    );
    const lastEventId = request.headers['last-event-id'];
    const cursor = readCursor(
      typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : query.cursor,
    );

    const release = core.connections.acquire(actor.userId, request.ip);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // The connection ends with the stream: EventSource reconnects on a new one anyway, and a
      // shutting-down server must not wait for an idle keep-alive connection to time out.
      connection: 'close',
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: ${RETRY_MS}\n\n`);

    let ended = false;
    const write = (frame: ServerFrame, id: string | undefined) => {
      if (ended) return;
      if (raw.writableLength > options.maxBufferBytes) {
        // A slow consumer is cut off rather than allowed to grow memory; it resumes by cursor.
        end();
        return;
      }
      // JSON never contains a raw newline, so one data line holds the whole frame.
      raw.write(`${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(frame)}\n\n`);
    };
    const channel: EventChannel = new EventChannel(
      core,
      actor,
      (frame, sequenced) => write(frame, sequenced ? channel.cursor() : undefined),
      // The session_revoked frame was written just before: the stream ends, and EventSource's
      // reconnect is refused with 401.
      { onRevoked: () => end() },
    );
    const heartbeat = setInterval(() => {
      if (!ended) raw.write(': ping\n\n');
    }, query.heartbeat_ms);
    const forget = channels.track(() => end());
    function end(): void {
      if (ended) return;
      ended = true;
      release();
      clearInterval(heartbeat);
      forget();
      channel.close();
      raw.end();
    }
    raw.on('close', end);
    raw.on('error', end);

    try {
      await channel.open(cursor);
    } catch (error) {
      request.log.error({ err: { type: (error as Error).name } }, 'event stream could not resume');
      end();
      return;
    }
    write({ type: 'resumed', cursors: channel.seqs() }, channel.cursor());
  });
}
