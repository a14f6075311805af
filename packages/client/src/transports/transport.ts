import type { ClientFrame, ServerFrame } from '@carechat/protocol';

export type TransportName = 'websocket' | 'sse' | 'long-poll';

export const TRANSPORTS: readonly TransportName[] = ['websocket', 'sse', 'long-poll'];

/** What a transport reports. Nothing is reported after the transport was closed by the client. */
export interface TransportEvents {
  /** Ready: events flow from here on. */
  open(): void;
  frame(frame: ServerFrame): void;
  /** Any sign of life, keep-alives included (the heartbeat watchdog listens). */
  activity(): void;
  /** Gone, by the server or the network; `code` is the close code or HTTP status when there is one. */
  close(info: { code?: number; reason: string }): void;
}

/** One connection attempt over one transport. */
export interface Transport {
  readonly name: TransportName;
  /** True when client frames travel over the connection itself (WebSocket), else over HTTP POST. */
  readonly carriesFrames: boolean;
  /** Sends a client frame when the transport carries them; false if it could not. */
  send(frame: ClientFrame): boolean;
  /** Asks the other end for a sign of life (a WebSocket ping frame); a no-op where the server sends them. */
  probe(): void;
  /** Closes without reporting. */
  close(): void;
}
