import type { ClientFrame, ServerFrame } from '@carechat/protocol';
import type { WebSocketConstructor, WebSocketLike } from '../platform.js';
import type { Transport, TransportEvents } from './transport.js';

const OPEN = 1;

/** `/ws`: one socket for all of the user's conversations; frames both ways. */
export function openWebSocket(
  WebSocket: WebSocketConstructor,
  url: string,
  events: TransportEvents,
): Transport {
  let done = false;
  let socket: WebSocketLike;
  const finish = (info: { code?: number; reason: string }) => {
    if (done) return;
    done = true;
    events.close(info);
  };
  try {
    socket = new WebSocket(url);
  } catch (error) {
    // Report asynchronously, like every other failure, so the caller has its handle first.
    queueMicrotask(() => finish({ reason: error instanceof Error ? error.message : 'cannot open' }));
    return { name: 'websocket', carriesFrames: true, send: () => false, probe: () => {}, close: () => {} };
  }
  socket.onopen = () => {
    if (!done) events.open();
  };
  socket.onmessage = (event) => {
    if (done) return;
    events.activity();
    if (typeof event.data !== 'string') return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(event.data) as ServerFrame;
    } catch {
      return;
    }
    if (typeof frame === 'object' && frame !== null && typeof frame.type === 'string') events.frame(frame);
  };
  socket.onclose = (event) => finish({ code: event.code, reason: event.reason || 'closed' });
  // Always handled: some implementations throw on an unhandled error event. A close follows.
  socket.onerror = () => {};

  return {
    name: 'websocket',
    carriesFrames: true,
    send(frame: ClientFrame) {
      if (done || socket.readyState !== OPEN) return false;
      try {
        socket.send(JSON.stringify(frame));
        return true;
      } catch {
        return false;
      }
    },
    probe() {
      if (!done && socket.readyState === OPEN) socket.send(JSON.stringify({ type: 'ping' }));
    },
    close() {
      done = true;
      try {
        socket.close(1000, 'client closed');
      } catch {
        // closing a socket that never opened may throw in some implementations
      }
    },
  };
}
