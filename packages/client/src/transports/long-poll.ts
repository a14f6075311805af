import { decodeEventCursor, type EventsResponse, MAX_POLL_TIMEOUT_MS } from '@carechat/protocol';
import { CarechatError } from '../errors.js';
import type { HttpApi } from '../http-api.js';
import type { Transport, TransportEvents } from './transport.js';

/**
 * Long-polling (`GET /api/events?cursor=`) for networks that allow neither WebSockets nor streamed
 * responses. The first poll answers at once (the catch-up); then each waits for the next events.
 * Client frames go over HTTP POST.
 */
export function openLongPoll(
  api: HttpApi,
  options: { cursor: string | undefined; pollTimeoutMs: number; requestTimeoutMs: number },
  events: TransportEvents,
): Transport {
  const controller = new AbortController();
  let done = false;
  let cursor = options.cursor;
  const finish = (info: { code?: number; reason: string }) => {
    if (done) return;
    done = true;
    controller.abort();
    events.close(info);
  };

  void (async () => {
    let first = true;
    while (!done) {
      const timeout = first
        ? 0
        : Math.min(MAX_POLL_TIMEOUT_MS, Math.max(0, Math.round(options.pollTimeoutMs)));
      const params = new URLSearchParams({ timeout_ms: String(timeout) });
      if (cursor !== undefined) params.set('cursor', cursor);
      let answer: EventsResponse;
      try {
        answer = (
          await api.request<EventsResponse>('GET', `/api/events?${params}`, {
            timeoutMs: timeout + options.requestTimeoutMs,
            signal: controller.signal,
          })
        ).body;
      } catch (error) {
        const status = error instanceof CarechatError ? error.status : undefined;
        finish({ ...(status === undefined ? {} : { code: status }), reason: (error as Error).message });
        return;
      }
      if (done) return;
      events.activity();
      if (first) events.open();
      for (const frame of answer.events) {
        if (done) return;
        events.frame(frame);
      }
      cursor = answer.cursor;
      // The first answer is the catch-up: tell the client, as /ws and SSE do with `resumed`.
      if (first && !done)
        events.frame({ type: 'resumed', cursors: decodeEventCursor(answer.cursor)?.seqs ?? {} });
      first = false;
    }
  })();

  return {
    name: 'long-poll',
    carriesFrames: false,
    send: () => false,
    probe: () => {},
    close() {
      done = true;
      controller.abort();
    },
  };
}
