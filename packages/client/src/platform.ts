/**
 * Everything the SDK takes from its surroundings, so it runs the same in browsers and in Node and
 * tests can script the network, the clock and the connection (as centrifuge-js's `websocket` option).
 */

/** The part of the WebSocket API the SDK uses: the browser's, Node 22's, or the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Whether the device has a network, and when that changes (a browser's online/offline events). */
export interface NetworkSignal {
  isOnline(): boolean;
  /** Returns an unsubscribe function. */
  subscribe(listener: (online: boolean) => void): () => void;
}

/** The synchronous key-value store of browsers (localStorage, sessionStorage). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const systemTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

/** navigator.onLine and the window's online/offline events where they exist; always online elsewhere. */
export function defaultNetwork(): NetworkSignal {
  const target = globalThis as unknown as {
    navigator?: { onLine?: boolean };
    addEventListener?: (type: string, listener: () => void) => void;
    removeEventListener?: (type: string, listener: () => void) => void;
  };
  const hasSignal =
    typeof target.navigator?.onLine === 'boolean' && typeof target.addEventListener === 'function';
  if (!hasSignal) return alwaysOnline;
  return {
    isOnline: () => target.navigator?.onLine !== false,
    subscribe(listener) {
      const online = () => listener(true);
      const offline = () => listener(false);
      target.addEventListener?.('online', online);
      target.addEventListener?.('offline', offline);
      return () => {
        target.removeEventListener?.('online', online);
        target.removeEventListener?.('offline', offline);
      };
    },
  };
}

export const alwaysOnline: NetworkSignal = { isOnline: () => true, subscribe: () => () => {} };

/** A network signal a test (or an app with its own reachability check) switches by hand. */
export class ManualNetwork implements NetworkSignal {
  readonly #listeners = new Set<(online: boolean) => void>();
  #online: boolean;
  constructor(online = true) {
    this.#online = online;
  }
  isOnline(): boolean {
    return this.#online;
  }
  subscribe(listener: (online: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  set(online: boolean): void {
    if (online === this.#online) return;
    this.#online = online;
    for (const listener of [...this.#listeners]) listener(online);
  }
}

export function defaultWebSocket(): WebSocketConstructor | undefined {
  return (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
}

export function defaultStorage(): KeyValueStorage | undefined {
  try {
    return (globalThis as unknown as { localStorage?: KeyValueStorage }).localStorage ?? undefined;
  } catch {
    // Some browsers throw on access when storage is disabled.
    return undefined;
  }
}
