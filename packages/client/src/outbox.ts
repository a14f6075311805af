import type { Message } from '@carechat/protocol';
import { CarechatError } from './errors.js';
import type { OutboxEntry, OutboxStore } from './outbox-store.js';

export type OutboxChange = {
  kind: 'added' | 'sending' | 'sent' | 'pending' | 'failed' | 'discarded';
  entry: OutboxEntry;
  /** The stored message, for `sent`. */
  message?: Message;
};

interface Waiter {
  resolve: (message: Message) => void;
  reject: (error: unknown) => void;
}

/**
 * Sends not yet acknowledged, in the order they were made. It keeps the bookkeeping (statuses,
 * promises, persistence); the client decides when and over which transport to (re)send them.
 * Every entry keeps its client_msg_id for life, so a resend is recognised by the server.
 */
export class Outbox {
  readonly #entries = new Map<string, OutboxEntry>();
  readonly #waiters = new Map<string, Waiter[]>();

  /**
   * `currentOwner` is the signed-in user (when known): entries written as someone else stay stored
   * but are neither listed nor sent until that user signs in again.
   */
  constructor(
    private readonly store: OutboxStore,
    private readonly onChange: (change: OutboxChange) => void,
    private readonly currentOwner: () => string | undefined = () => undefined,
  ) {
    // Entries that survived a reload were maybe on the wire: they are simply sent again.
    for (const entry of store.load()) {
      this.#entries.set(entry.client_msg_id, {
        ...entry,
        status: entry.status === 'failed' ? 'failed' : 'pending',
      });
    }
  }

  /** The current user's entries, oldest first. */
  get entries(): OutboxEntry[] {
    return this.mine().map((e) => ({ ...e }));
  }

  get size(): number {
    return this.mine().length;
  }

  get(clientMsgId: string): OutboxEntry | undefined {
    const entry = this.#entries.get(clientMsgId);
    return entry && this.isMine(entry) ? entry : undefined;
  }

  add(entry: OutboxEntry): Promise<Message> {
    if (this.#entries.has(entry.client_msg_id)) {
      return Promise.reject(new CarechatError('conflict', 'This client_msg_id is already in the outbox.'));
    }
    this.#entries.set(entry.client_msg_id, entry);
    const settled = this.wait(entry.client_msg_id);
    this.changed('added', entry);
    return settled;
  }

  /** A promise for an entry's stored message (also for entries restored after a reload). */
  wait(clientMsgId: string): Promise<Message> {
    if (!this.#entries.has(clientMsgId)) {
      return Promise.reject(new CarechatError('not_found', 'No such send in the outbox.'));
    }
    return new Promise((resolve, reject) => {
      const list = this.#waiters.get(clientMsgId) ?? [];
      list.push({ resolve, reject });
      this.#waiters.set(clientMsgId, list);
    });
  }

  /** The current user's entries waiting to go out, oldest first. */
  pending(limit = Number.POSITIVE_INFINITY): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    const owner = this.currentOwner();
    for (const entry of this.#entries.values()) {
      if (out.length >= limit) break;
      if (entry.status === 'pending' && this.isMine(entry, owner)) out.push(entry);
    }
    return out;
  }

  countSending(): number {
    let n = 0;
    for (const entry of this.#entries.values()) if (entry.status === 'sending') n += 1;
    return n;
  }

  markSending(clientMsgId: string): void {
    const entry = this.#entries.get(clientMsgId);
    if (!entry || entry.status === 'failed') return;
    entry.status = 'sending';
    entry.attempts += 1;
    this.changed('sending', entry);
  }

  /** Back to waiting (the connection dropped, or a retryable error). */
  requeue(clientMsgId: string): void {
    const entry = this.#entries.get(clientMsgId);
    if (entry?.status !== 'sending') return;
    entry.status = 'pending';
    this.changed('pending', entry);
  }

  requeueAll(): void {
    for (const entry of this.#entries.values())
      if (entry.status === 'sending') this.requeue(entry.client_msg_id);
  }

  /** The server has the message: the entry leaves the outbox and its promise resolves. */
  acknowledge(clientMsgId: string, message: Message): boolean {
    const entry = this.#entries.get(clientMsgId);
    if (!entry || entry.conversation_id !== message.conversation_id) return false;
    this.#entries.delete(clientMsgId);
    this.changed('sent', entry, message);
    for (const waiter of this.take(clientMsgId)) waiter.resolve(message);
    return true;
  }

  /** Refused for good: the entry stays, marked failed, for the app to retry or discard. */
  fail(clientMsgId: string, error: CarechatError): void {
    const entry = this.#entries.get(clientMsgId);
    if (!entry) return;
    entry.status = 'failed';
    entry.error = { code: error.code, message: error.message };
    this.changed('failed', entry);
    for (const waiter of this.take(clientMsgId)) waiter.reject(error);
  }

  /** A failed entry goes back to the queue (same client_msg_id). Returns its new promise. */
  retry(clientMsgId: string): Promise<Message> {
    const entry = this.#entries.get(clientMsgId);
    if (!entry) return Promise.reject(new CarechatError('not_found', 'No such send in the outbox.'));
    const settled = this.wait(clientMsgId);
    if (entry.status === 'failed') {
      entry.status = 'pending';
      delete entry.error;
      this.changed('pending', entry);
    }
    return settled;
  }

  discard(clientMsgId: string): void {
    const entry = this.#entries.get(clientMsgId);
    if (!entry) return;
    this.#entries.delete(clientMsgId);
    this.changed('discarded', entry);
    const error = new CarechatError('cancelled', 'The send was discarded.');
    for (const waiter of this.take(clientMsgId)) waiter.reject(error);
  }

  private mine(): OutboxEntry[] {
    const owner = this.currentOwner();
    return [...this.#entries.values()].filter((e) => this.isMine(e, owner));
  }

  private isMine(entry: OutboxEntry, owner = this.currentOwner()): boolean {
    return entry.owner == null || owner === undefined || entry.owner === owner;
  }

  private take(clientMsgId: string): Waiter[] {
    const list = this.#waiters.get(clientMsgId) ?? [];
    this.#waiters.delete(clientMsgId);
    return list;
  }

  private changed(kind: OutboxChange['kind'], entry: OutboxEntry, message?: Message): void {
    // Persist before telling anyone (and before the send goes out), so a reload never loses it.
    if (kind !== 'sending') this.store.save(this.#entries.values());
    this.onChange({ kind, entry: { ...entry }, ...(message ? { message } : {}) });
  }
}
