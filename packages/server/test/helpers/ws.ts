import type { ServerFrame } from '@carechat/protocol';
import WebSocket from 'ws';

/**
 * A real WebSocket client that records every frame, so a test can wait for the frame it expects
 * and later assert on everything that arrived.
 */
export class TestSocket {
  readonly frames: ServerFrame[] = [];
  readonly #waiters: Array<{ match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }> = [];
  #closed: Promise<{ code: number; reason: string }>;
  #cursor = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      this.frames.push(frame);
      for (let i = 0; i < this.#waiters.length; i++) {
        const waiter = this.#waiters[i]!;
        if (waiter.match(frame)) {
          this.#waiters.splice(i, 1);
          waiter.resolve(frame);
          break;
        }
      }
    });
    this.#closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  /** Connects; resolves once open (or once closed, for tests of refused upgrades). */
  static connect(
    url: string,
    options: { token?: string; cookie?: string; bearer?: string; autoPong?: boolean } = {},
  ): Promise<TestSocket> {
    const target = options.token
      ? `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(options.token)}`
      : url;
    const headers: Record<string, string> = {};
    if (options.cookie) headers.cookie = options.cookie;
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    // autoPong: false plays a half-open client that no longer answers the server's pings.
    const ws = new WebSocket(target, { headers, autoPong: options.autoPong ?? true });
    const socket = new TestSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('close', () => resolve(socket));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame (from where the last `next` stopped) that matches, waiting if needed. */
  next<T extends ServerFrame['type']>(
    type: T,
    match: (frame: Extract<ServerFrame, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const matches = (f: ServerFrame) => f.type === type && match(f as Extract<ServerFrame, { type: T }>);
    for (let i = this.#cursor; i < this.frames.length; i++) {
      const frame = this.frames[i]!;
      if (matches(frame)) {
        this.#cursor = i + 1;
        return Promise.resolve(frame as Extract<ServerFrame, { type: T }>);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(new Error(`timed out waiting for ${type}; got ${this.frames.map((f) => f.type).join(',')}`));
      }, timeoutMs);
      const waiter = {
        match: matches,
        resolve: (frame: ServerFrame) => {
          clearTimeout(timer);
          this.#cursor = this.frames.length;
          resolve(frame as Extract<ServerFrame, { type: T }>);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Frames of one type received so far. */
  all<T extends ServerFrame['type']>(type: T): Array<Extract<ServerFrame, { type: T }>> {
    return this.frames.filter((f): f is Extract<ServerFrame, { type: T }> => f.type === type);
  }

  /** Waits until `count` frames of a type have arrived in total. */
  async waitForCount(type: ServerFrame['type'], count: number, timeoutMs = 10_000): Promise<ServerFrame[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.frames.filter((f) => f.type === type);
      if (got.length >= count) return got;
      if (Date.now() > deadline) throw new Error(`timed out: ${got.length}/${count} ${type} frames`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** A ping/pong round trip: every frame the server sent before it has arrived. */
  async roundTrip(): Promise<void> {
    const before = this.frames.filter((f) => f.type === 'pong').length;
    this.send({ type: 'ping' });
    await this.waitForCount('pong', before + 1);
  }

  closed(): Promise<{ code: number; reason: string }> {
    return this.#closed;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.#closed;
  }
}
