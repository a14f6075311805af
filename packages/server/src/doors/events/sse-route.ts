import { eventStreamQuerySchema, type ServerFrame } from '@carechat/protocol';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';
import { SESSION_COOKIE } from '../../live/credentials.js';
import { CursorStream, isSequenced } from '../../live/cursor-stream.js';
import type { LiveLayer } from '../../live/live-layer.js';
import { parse } from '../http/validate.js';
import { jsonFrame } from '../json-frame.js';
import { readCursor } from './cursor-param.js';
import type { OpenChannels } from './open-channels.js';

/** How long EventSource waits before reconnecting (the `retry:` field). */
const RETRY_MS = 1000;

/**
 * `GET /api/events/stream`: the user's events as Server-Sent Events, a codec over a live session
 * (live/cursor-stream.ts). Message events carry the cursor as their `id`, so EventSource's
 * automatic reconnect (with `Last-Event-ID`) resumes exactly. EventSource cannot set headers, so
 * besides a bearer token this accepts `?token=` and the cookie.
 */
export function registerSseRoute(
  app: FastifyInstance,
  core: Core,
  live: LiveLayer,
  channels: OpenChannels,
): void {
  app.get('/api/events/stream', async (request, reply) => {
    const query = parse(eventStreamQuerySchema, request.query);
    const { actor, release } = await live.admitOrThrow({
      door: 'sse',
      credentials: {
        authorization: request.headers.authorization,
        queryToken: query.token,
        sessionCookie: request.cookies[SESSION_COOKIE],
      },
      address: request.ip,
    });
    const lastEventId = request.headers['last-event-id'];
    let cursor: ReturnType<typeof readCursor>;
    try {
      cursor = readCursor(typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : query.cursor);
    } catch (error) {
      release();
      throw error;
    }

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
      // JSON never contains a raw newline, so one data line holds the whole frame.
      if (!ended) raw.write(`${id === undefined ? '' : `id: ${id}\n`}data: ${jsonFrame(frame)}\n\n`);
    };
    const stream: CursorStream = new CursorStream(
      live,
      core,
      actor,
      {
        send: (frame) => write(frame, isSequenced(frame) ? stream.cursor() : undefined),
        bufferedBytes: () => raw.writableLength,
        // Revoked (the session_revoked frame was written just before: EventSource's reconnect is
        // refused with 401) or too slow (it resumes from its Last-Event-ID): the stream ends.
        close: () => end(),
        heartbeat() {
          if (!ended) raw.write(': ping\n\n');
          return true;
        },
      },
      { door: 'sse', release, heartbeatMs: query.heartbeat_ms },
    );
    const forget = channels.track(() => end());
    function end(): void {
      if (ended) return;
      ended = true;
      forget();
      stream.close();
      raw.end();
    }
    raw.on('close', end);
    raw.on('error', end);

    try {
      await stream.open(cursor);
    } catch (error) {
      request.log.error({ err: { type: (error as Error).name } }, 'event stream could not resume');
      end();
      return;
    }
    write({ type: 'resumed', cursors: stream.seqs() }, stream.cursor());
  });
}
