import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
import type { OutboxStore } from './outbox-store.js';
import type { FetchLike, KeyValueStorage, NetworkSignal, Timers, WebSocketConstructor } from './platform.js';
import type { TokenProvider } from './token-source.js';
import type { TransportName } from './transports/transport.js';

export interface ClientOptions {
  /** The server, e.g. `https://chat.example.com` (no trailing slash needed). */
  baseUrl: string;
  /** A fixed access token. */
  token?: string;
  /** Or a provider, called for the first token and again when one expires or is refused. */
  getToken?: TokenProvider;
  /** Transports in order of preference (default all: websocket, then sse, then long-poll). */
  transports?: TransportName[];
  /** The WebSocket constructor (default: the global one; in Node 20 pass `ws`'s). */
  WebSocket?: WebSocketConstructor;
  fetch?: FetchLike;
  timers?: Timers;
  random?: () => number;
  /** Online/offline signal (default: the browser's; always online elsewhere). */
  network?: NetworkSignal;
  /** Where the outbox survives a reload (default: localStorage in browsers, memory in Node). */
  outboxStore?: OutboxStore;
  storage?: KeyValueStorage;
  /** Key of the outbox in `storage`; give one per signed-in user. */
  storageKey?: string;
  /** fetch `credentials` (e.g. 'include' for a cookie session on another origin). */
  credentials?: RequestCredentials;
  backoff?: Partial<BackoffOptions> & {
    /** A connection that lasts this long resets the backoff. */
    stableMs?: number;
  };
  heartbeat?: {
    /** Silence longer than this makes the client ask for a sign of life. */
    intervalMs?: number;
    /** And if none comes within this, the connection is dead (half-open) and replaced. */
    timeoutMs?: number;
  };
  /** HTTP requests (history, sends over HTTP) are abandoned after this. */
  requestTimeoutMs?: number;
  /** A connection attempt that has not opened after this is abandoned (a black-holed network). */
  connectTimeoutMs?: number;
  /** A send unacknowledged for this long goes out again (same client_msg_id). */
  sendTimeoutMs?: number;
  maxInFlight?: number;
  /** How long a gap may wait for the live stream before history is asked. */
  gapWaitMs?: number;
  /** How long one long-poll waits on the server. */
  pollTimeoutMs?: number;
  /** Failed attempts of a transport that never worked before the next one is tried. */
  fallbackAfter?: number;
  /** Connect on creation (default true). */
  autoConnect?: boolean;
  /** Where exceptions thrown by event listeners go (default console.error). */
  onListenerError?: (error: unknown) => void;
}

/** The tunables with their defaults filled in (the defaults live here and only here). */
export interface Tunables {
  backoff: Required<BackoffOptions>;
  stableMs: number;
  heartbeat: { intervalMs: number; timeoutMs: number };
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  sendTimeoutMs: number;
  maxInFlight: number;
  gapWaitMs: number;
  pollTimeoutMs: number;
  fallbackAfter: number;
}

export function tunables(options: ClientOptions): Tunables {
  return {
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    stableMs: options.backoff?.stableMs ?? 10_000,
    heartbeat: { intervalMs: 20_000, timeoutMs: 10_000, ...options.heartbeat },
    requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
    sendTimeoutMs: options.sendTimeoutMs ?? 15_000,
    maxInFlight: options.maxInFlight ?? 64,
    gapWaitMs: options.gapWaitMs ?? 500,
    pollTimeoutMs: options.pollTimeoutMs ?? 25_000,
    fallbackAfter: options.fallbackAfter ?? 2,
  };
}
