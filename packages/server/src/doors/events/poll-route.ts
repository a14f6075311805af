import { type EventsResponse, eventsQuerySchema, type ServerFrame } from '@carechat/protocol';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';
import { CursorStream } from '../../live/cursor-stream.js';
import type { LiveLayer } from '../../live/live-layer.js';
import { requestCredentials } from '../http/request-actor.js';
import { parse } from '../http/validate.js';
import { readCursor } from './cursor-param.js';
import type { OpenChannels } from './open-channels.js';

/** After the first live event, how long a long-poll waits for the ones that usually follow it. */
const BATCH_MS = 15;

/**
 * `GET /api/events?cursor=`: every event for the user since the cursor, at once if there are any,
 * else as soon as one happens (or `timeout_ms` passes). Each answer carries the cursor to send next.
 * Messages are exact across polls (they come from the store); typing and presence events that
 * happen between two polls are not kept. A codec over a live session (live/cursor-stream.ts).
 */
export function registerPollRoute(
  app: FastifyInstance,
  core: Core,
  live: LiveLayer,
  channels: OpenChannels,
): void {
  app.get('/api/events', async (request, reply) => {
    const { actor, release } = await live.admitOrThrow({
      door: 'poll',
      credentials: requestCredentials(request),
      address: request.ip,
    });
    let query: ReturnType<typeof parse<typeof eventsQuerySchema>>;
    let cursor: ReturnType<typeof readCursor>;
    try {
      query = parse(eventsQuerySchema, request.query);
      cursor = readCursor(query.cursor);
    } catch (error) {
      release();
      throw error;
    }

    const events: ServerFrame[] = [];
    let settle: (answer: EventsResponse | undefined) => void = () => {};
    const answered = new Promise<EventsResponse | undefined>((resolve) => {
      settle = resolve;
    });
    let done = false;
    let opened = false;
    let batch: ReturnType<typeof setTimeout> | undefined;
    let wait: ReturnType<typeof setTimeout> | undefined;

    const stream: CursorStream = new CursorStream(
      live,
      core,
      actor,
      {
        send(frame) {
          events.push(frame);
          if (events.length >= query.limit) finish();
          else if (opened && batch === undefined) batch = setTimeout(finish, BATCH_MS);
        },
        // An answer holds at most `limit` events: nothing waits unsent.
        bufferedBytes: () => 0,
        // Revoked: answered now; the next poll gets 401.
        close: () => finish(),
      },
      { door: 'poll', release },
    );
    const forget = channels.track(() => {
      // Shutting down: answer now, and do not keep the connection for another request.
      reply.header('connection', 'close');
      finish();
    });
    function stop(): void {
      done = true;
      clearTimeout(batch);
      clearTimeout(wait);
      forget();
    }
    function finish(): void {
      if (done) return;
      // The cursor is taken before closing, so it covers exactly the events answered.
      const answer = { events, cursor: stream.cursor() };
      stop();
      stream.close();
      settle(answer);
    }
    reply.raw.on('close', () => {
      if (done) return;
      stop();
      stream.close();
      settle(undefined);
    });

    try {
      await stream.open(cursor);
    } catch (error) {
      if (done) return reply.hijack();
      stop();
      stream.close();
      throw error;
    }
    opened = true;
    if (events.length > 0 || query.timeout_ms === 0) finish();
    else if (!done) wait = setTimeout(finish, query.timeout_ms);

    const answer = await answered;
    // The client went away: nothing to answer.
    if (!answer) return reply.hijack();
    return answer;
  });
}
