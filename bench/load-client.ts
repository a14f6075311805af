import WebSocket from 'ws';

/** The fields of server frames the load generator reads. */
export interface Frame {
  type: string;
  conversation_id?: string;
  seq?: number;
  message_id?: string;
  client_msg_id?: string;
  code?: string;
}

/**
 * One device speaking the real protocol over a real socket: it keeps the last seq it holds per
 * conversation (its resume cursors) and reconnects with full jitter when the server goes away,
 * the way the SDK does.
 */
export class LoadClient {
  ws: WebSocket | undefined;
  /**
   * Receivers answer every message with a `delivery_receipt`, as the SDK and the web app do
   * (`--receipts`); off by default, so that runs compare with earlier ones.
   */
  static sendsReceipts = false;
  readonly cursors = new Map<string, number>();
  onFrame: (frame: Frame) => void = () => {};
  /** Called after a reconnect once the server has answered `resume`. */
  onResumed: () => void = () => {};
  /** Called when an open socket closes, with the close code. */
  onClose: (code: number) => void = () => {};
  #urls: string[];
  readonly #ahead = new Map<string, Set<number>>();
  #reconnect = false;
  /** Closed for good: a dial still under way or due ends quietly. */
  #closed = false;
  #attempt = 0;

  constructor(
    readonly userId: string,
    private readonly token: string,
    urls: string[],
  ) {
    this.#urls = urls;
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Connects to the first url; with `reconnect`, comes back after a drop, trying each url in turn. */
  connect(options: { reconnect?: boolean; url?: string } = {}): Promise<void> {
    this.#reconnect = options.reconnect ?? false;
    return this.dial(options.url ?? this.#urls[0]!);
  }

  send(frame: object): boolean {
    if (!this.open) return false;
    this.ws!.send(JSON.stringify(frame));
    return true;
  }

  close(): void {
    this.#reconnect = false;
    this.#closed = true;
    this.ws?.terminate();
  }

  private dial(url: string, resume = false): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${url}?token=${this.token}`, { perMessageDeflate: false });
      this.ws = ws;
      let opened = false;
      ws.on('open', () => {
        opened = true;
        this.#attempt = 0;
        // Right here, not a microtask later: frames that came in the same packet as the upgrade
        // answer are handled before any promise continuation, and must not move the cursors first.
        if (resume) ws.send(JSON.stringify({ type: 'resume', cursors: Object.fromEntries(this.cursors) }));
        resolve();
      });
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as Frame;
        if ((frame.type === 'chat_message' || frame.type === 'message_sent') && frame.conversation_id) {
          this.hold(frame.conversation_id, frame.seq!);
        }
        if (LoadClient.sendsReceipts && frame.type === 'chat_message' && frame.conversation_id) {
          ws.send(
            JSON.stringify({
              type: 'delivery_receipt',
              conversation_id: frame.conversation_id,
              seq: frame.seq,
            }),
          );
        }
        if (frame.type === 'resumed') this.onResumed();
        this.onFrame(frame);
      });
      ws.on('error', (error) => {
        if (!opened) reject(error);
      });
      ws.on('close', (code: number) => {
        if (opened) this.onClose(code);
        if (!opened || !this.#reconnect) return;
        this.scheduleReconnect();
      });
    }).catch((error: unknown) => {
      // Terminating a socket still connecting fails its dial: at the end of a run that crashed
      // the load generator (and left its servers running).
      if (this.#closed) return;
      if (!this.#reconnect) throw error;
      this.scheduleReconnect();
    });
  }

  /**
   * A cursor is the last seq held with nothing missing before it: a message that arrives ahead of
   * others (live, before a resume's replay) waits here until the ones before it are in.
   */
  private hold(conversationId: string, seq: number): void {
    const held = this.cursors.get(conversationId);
    if (held === undefined) {
      this.cursors.set(conversationId, seq);
      return;
    }
    if (seq <= held) return;
    const ahead = this.#ahead.get(conversationId) ?? new Set<number>();
    ahead.add(seq);
    let next = held;
    while (ahead.delete(next + 1)) next += 1;
    this.cursors.set(conversationId, next);
    if (ahead.size > 0) this.#ahead.set(conversationId, ahead);
    else this.#ahead.delete(conversationId);
  }

  private scheduleReconnect(): void {
    const attempt = this.#attempt++;
    // Full jitter: spread a crowd of clients over the window instead of all at once.
    const delay = Math.random() * Math.min(250 * 2 ** attempt, 2000);
    const url = this.#urls[attempt % this.#urls.length]!;
    setTimeout(() => {
      if (!this.#closed) void this.dial(url, true);
    }, delay);
  }
}

/** Opens many clients, `concurrency` handshakes at a time. */
export async function connectAll(
  clients: LoadClient[],
  options: { concurrency?: number; reconnect?: boolean; url?: (i: number) => string } = {},
): Promise<void> {
  const concurrency = options.concurrency ?? 200;
  let next = 0;
  const worker = async () => {
    while (next < clients.length) {
      const i = next++;
      const url = options.url?.(i);
      await clients[i]!.connect({
        ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
        ...(url === undefined ? {} : { url }),
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
