import type { Message } from '@carechat/protocol';
import { CarechatError, isRetryable } from './errors.js';
import type { HttpApi } from './http-api.js';
import type { Outbox } from './outbox.js';
import type { OutboxEntry } from './outbox-store.js';
import type { Timers } from './platform.js';
import type { Transport } from './transports/transport.js';

export interface SenderOptions {
  outbox: Outbox;
  api: HttpApi;
  timers: Timers;
  /** Unacknowledged sends on a WebSocket at once (the server queues a bounded number per socket). */
  maxInFlight: number;
  /** A send on the wire this long without an answer goes out again (same client_msg_id). */
  sendTimeoutMs: number;
  /** Wait before resending after a retryable refusal (rate_limited, internal…). */
  retryDelayMs: () => number;
  /** The stored message came back: hand it to the timeline. */
  onStored(message: Message): void;
}

/**
 * Sends the outbox over the current connection: as `chat_message` frames on a WebSocket (a window
 * of them in flight, acknowledged by `message_sent`), or one by one over HTTP POST on the other
 * transports (acknowledged by the response). Unanswered sends go out again with the same
 * client_msg_id, which the server recognises; refusals that will not change mark the send failed.
 */
export class Sender {
  #transport: Transport | undefined;
  #sentAt = new Map<string, number>();
  #timer: unknown;
  #retryTimer: unknown;
  #httpLoop = false;

  constructor(private readonly o: SenderOptions) {}

  /** A connection is ready: send everything waiting. */
  start(transport: Transport): void {
    this.#transport = transport;
    this.flush();
  }

  /** The connection is gone: whatever was on the wire is waiting again. */
  stop(): void {
    this.#transport = undefined;
    this.#sentAt.clear();
    this.o.timers.clearTimeout(this.#timer);
    this.o.timers.clearTimeout(this.#retryTimer);
    this.#timer = undefined;
    this.#retryTimer = undefined;
    this.o.outbox.requeueAll();
  }

  flush(): void {
    const transport = this.#transport;
    if (!transport) return;
    if (transport.carriesFrames) this.flushFrames(transport);
    else void this.flushHttp(transport);
  }

  /** A message of ours came back (message_sent, or our own message in a replay). */
  acknowledged(message: Message): void {
    this.#sentAt.delete(message.client_msg_id);
    if (this.o.outbox.acknowledge(message.client_msg_id, message)) this.flush();
  }

  /** An error frame about one of our sends (its `ref` is the client_msg_id). */
  refused(clientMsgId: string, error: CarechatError): boolean {
    const entry = this.o.outbox.get(clientMsgId);
    if (!entry) return false;
    this.#sentAt.delete(clientMsgId);
    if (isRetryable(error.code)) {
      this.o.outbox.requeue(clientMsgId);
      this.retryLater();
    } else {
      this.o.outbox.fail(clientMsgId, error);
      this.flush();
    }
    return true;
  }

  private flushFrames(transport: Transport): void {
    const room = this.o.maxInFlight - this.o.outbox.countSending();
    if (room <= 0) return;
    for (const entry of this.o.outbox.pending(room)) {
      this.o.outbox.markSending(entry.client_msg_id);
      const sent = transport.send({
        type: 'chat_message',
        conversation_id: entry.conversation_id,
        content: entry.content,
        client_msg_id: entry.client_msg_id,
        ...(entry.reply_to === null ? {} : { reply_to: entry.reply_to }),
        ...(entry.attachments?.length ? { attachments: entry.attachments } : {}),
      });
      if (!sent) {
        this.o.outbox.requeue(entry.client_msg_id);
        return;
      }
      this.#sentAt.set(entry.client_msg_id, this.o.timers.now());
    }
    this.armTimeout();
  }

  /** Resends what waited too long for its acknowledgement. */
  private armTimeout(): void {
    if (this.#timer !== undefined || this.#sentAt.size === 0) return;
    this.#timer = this.o.timers.setTimeout(() => {
      this.#timer = undefined;
      const now = this.o.timers.now();
      for (const [id, at] of this.#sentAt) {
        if (now - at >= this.o.sendTimeoutMs) {
          this.#sentAt.delete(id);
          this.o.outbox.requeue(id);
        }
      }
      this.flush();
      this.armTimeout();
    }, this.o.sendTimeoutMs);
  }

  private retryLater(): void {
    if (this.#retryTimer !== undefined) return;
    this.#retryTimer = this.o.timers.setTimeout(() => {
      this.#retryTimer = undefined;
      this.flush();
    }, this.o.retryDelayMs());
  }

  /** One at a time, oldest first, so the server stores them in the order they were written. */
  private async flushHttp(transport: Transport): Promise<void> {
    if (this.#httpLoop) return;
    this.#httpLoop = true;
    try {
      while (this.#transport === transport) {
        const entry = this.o.outbox.pending(1)[0];
        if (!entry) return;
        if (!(await this.post(entry))) {
          this.retryLater();
          return;
        }
      }
    } finally {
      this.#httpLoop = false;
      // A new connection started while this loop was finishing a request: it takes over.
      if (this.#transport !== undefined && this.#transport !== transport) this.flush();
    }
  }

  /** False when the send should be tried again later. */
  private async post(entry: OutboxEntry): Promise<boolean> {
    this.o.outbox.markSending(entry.client_msg_id);
    try {
      const message = await this.o.api.sendMessage(entry.conversation_id, {
        client_msg_id: entry.client_msg_id,
        content: entry.content,
        reply_to: entry.reply_to,
        ...(entry.attachments?.length ? { attachments: entry.attachments } : {}),
      });
      this.o.onStored(message);
      this.o.outbox.acknowledge(entry.client_msg_id, message);
      return true;
    } catch (error) {
      const failure =
        error instanceof CarechatError
          ? error
          : new CarechatError('network', String((error as Error)?.message));
      if (isRetryable(failure.code)) {
        this.o.outbox.requeue(entry.client_msg_id);
        return false;
      }
      this.o.outbox.fail(entry.client_msg_id, failure);
      return true;
    }
  }
}
