import { io, type Socket } from 'socket.io-client';

export type Transport = 'websocket' | 'polling';

interface Received {
  event: string;
  payload: Record<string, unknown>;
}

/**
 * A real socket.io-client that records every event, so a test can wait for the one it expects.
 * `polling` keeps the client on HTTP long-polling (no upgrade), as a proxy that blocks WebSockets would.
 */
export class TestSocketIo {
  readonly received: Received[] = [];
  #cursor = 0;
  readonly #waiters = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.onAny((event: string, payload: Record<string, unknown>) => {
      this.received.push({ event, payload });
      for (const wake of this.#waiters) wake();
    });
  }

  /** Connects; rejects with the server's reason when the handshake is refused. */
  static connect(
    url: string,
    transport: Transport,
    options: { token?: string; queryToken?: string } = {},
  ): Promise<TestSocketIo> {
    const socket = io(url, {
      transports: [transport],
      upgrade: false,
      forceNew: true,
      reconnection: false,
      ...(options.token ? { auth: { token: options.token } } : {}),
      ...(options.queryToken ? { query: { token: options.queryToken } } : {}),
    });
    const client = new TestSocketIo(socket);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(client));
      socket.once('connect_error', (error) => {
        socket.close();
        reject(error);
      });
    });
  }

  /** Emits and waits for the acknowledgement. */
  request<T = Record<string, unknown>>(event: string, payload: unknown): Promise<T> {
    return this.socket.timeout(5000).emitWithAck(event, payload) as Promise<T>;
  }

  /** The next event (after the last one `next` returned) with this name that matches. */
  async next(
    event: string,
    match: (payload: Record<string, unknown>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.#cursor; i < this.received.length; i++) {
        const got = this.received[i]!;
        if (got.event === event && match(got.payload)) {
          this.#cursor = i + 1;
          return got.payload;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${event}; got ${this.received.map((r) => r.event).join(',')}`);
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }

  events(name: string): Array<Record<string, unknown>> {
    return this.received.filter((r) => r.event === name).map((r) => r.payload);
  }

  close(): void {
    this.socket.close();
  }
}
