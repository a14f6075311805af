import type { ServerFrame } from '@carechat/protocol';

export interface SseEvent {
  id: string | undefined;
  frame: ServerFrame;
}

/**
 * A real Server-Sent Events client over fetch (Node 20 has no EventSource): it parses the stream,
 * records every event with its id, and lets a test wait for the frame it expects.
 */
export class TestEventStream {
  readonly events: SseEvent[] = [];
  /** Keep-alive comments received. */
  comments = 0;
  /** The id of the last event that had one: what EventSource would send as Last-Event-ID. */
  lastEventId: string | undefined;
  readonly #waiters: Array<{ match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }> = [];
  readonly #abort = new AbortController();
  #cursor = 0;
  #ended: Promise<void> = Promise.resolve();

  private constructor() {}

  get frames(): ServerFrame[] {
    return this.events.map((e) => e.frame);
  }

  /** Opens the stream; throws with the HTTP status and body when the server refuses it. */
  static async open(
    baseUrl: string,
    options: {
      bearer?: string;
      token?: string;
      cookie?: string;
      lastEventId?: string;
      cursor?: string;
      heartbeatMs?: number;
    } = {},
  ): Promise<TestEventStream> {
    const params = new URLSearchParams();
    if (options.token) params.set('token', options.token);
    if (options.cursor) params.set('cursor', options.cursor);
    if (options.heartbeatMs) params.set('heartbeat_ms', String(options.heartbeatMs));
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    if (options.cookie) headers.cookie = options.cookie;
    if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
    const stream = new TestEventStream();
    const query = params.size > 0 ? `?${params}` : '';
    const response = await fetch(`${baseUrl}/api/events/stream${query}`, {
      headers,
      signal: stream.#abort.signal,
    });
    if (response.status !== 200 || !response.body) {
      throw new StreamRefused(response.status, await response.text());
    }
    stream.#ended = stream.read(response.body);
    return stream;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          this.onBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by close()
    }
  }

  private onBlock(block: string): void {
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments += 1;
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length === 0) return;
    const frame = JSON.parse(data.join('\n')) as ServerFrame;
    if (id !== undefined) this.lastEventId = id;
    this.events.push({ id, frame });
    for (let i = 0; i < this.#waiters.length; i++) {
      const waiter = this.#waiters[i]!;
      if (waiter.match(frame)) {
        this.#waiters.splice(i, 1);
        waiter.resolve(frame);
        break;
      }
    }
  }

  /** The next frame (from where the last `next` stopped) that matches, waiting if needed. */
  next<T extends ServerFrame['type']>(
    type: T,
    match: (frame: Extract<ServerFrame, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const matches = (f: ServerFrame) => f.type === type && match(f as Extract<ServerFrame, { type: T }>);
    const frames = this.frames;
    for (let i = this.#cursor; i < frames.length; i++) {
      if (matches(frames[i]!)) {
        this.#cursor = i + 1;
        return Promise.resolve(frames[i] as Extract<ServerFrame, { type: T }>);
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
          this.#cursor = this.events.length;
          resolve(frame as Extract<ServerFrame, { type: T }>);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Resolves when the server ends the stream. */
  ended(): Promise<void> {
    return this.#ended;
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#ended;
  }
}

export class StreamRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`event stream refused: ${status} ${body}`);
  }
}
