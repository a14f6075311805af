import type { ServerFrame } from '@carechat/protocol';
import type { HttpApi } from '../http-api.js';
import { SseParser } from './sse-parser.js';
import type { Transport, TransportEvents } from './transport.js';

/**
 * Server-Sent Events over fetch (`GET /api/events/stream`), which works in browsers and in Node and,
 * unlike EventSource, can send the bearer token. Client frames go over HTTP POST.
 */
export function openSse(
  api: HttpApi,
  options: { cursor: string | undefined; heartbeatMs: number },
  events: TransportEvents,
): Transport {
  const controller = new AbortController();
  let done = false;
  const finish = (info: { code?: number; reason: string }) => {
    if (done) return;
    done = true;
    controller.abort();
    events.close(info);
  };
  // The server accepts 1–60 s; the client's watchdog allows for its own interval either way.
  const heartbeat = Math.min(60_000, Math.max(1000, Math.round(options.heartbeatMs)));
  const params = new URLSearchParams({ heartbeat_ms: String(heartbeat) });
  if (options.cursor !== undefined) params.set('cursor', options.cursor);

  void (async () => {
    let response: Response;
    try {
      response = await api.open(`/api/events/stream?${params}`, {
        headers: { accept: 'text/event-stream' },
        signal: controller.signal,
      });
    } catch (error) {
      finish({ reason: error instanceof Error ? error.message : 'network error' });
      return;
    }
    if (done) return;
    if (response.status !== 200 || !response.body) {
      await response.text().catch(() => '');
      finish({ code: response.status, reason: `HTTP ${response.status}` });
      return;
    }
    events.open();
    const parser = new SseParser(
      ({ data }) => {
        if (done) return;
        let frame: ServerFrame;
        try {
          frame = JSON.parse(data) as ServerFrame;
        } catch {
          return;
        }
        events.frame(frame);
      },
      () => {},
    );
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended || done) break;
        events.activity();
        parser.push(decoder.decode(value, { stream: true }));
      }
      finish({ reason: 'stream ended' });
    } catch (error) {
      finish({ reason: error instanceof Error ? error.message : 'stream failed' });
    }
  })();

  return {
    name: 'sse',
    carriesFrames: false,
    send: () => false,
    probe: () => {},
    close() {
      done = true;
      controller.abort();
    },
  };
}
