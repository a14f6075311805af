import { accessConversation } from './access.js';
import type { Actor } from './actor.js';
import { CoreError } from './errors.js';
import { domainEvent } from './events.js';
import type { Bus } from './ports/bus.js';
import type { Clock } from './ports/clock.js';
import type { Store } from './ports/store.js';
import { TokenBucket } from './rate-limit.js';
import type { UserDirectory } from './users.js';

export interface TypingDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  users: UserDirectory;
  /** An indicator not refreshed within this long is taken down (and clients drop it themselves). */
  ttlMs: number;
  /** Failures of work done later (taking an expired indicator down). */
  onError?: (error: unknown) => void;
  /**
   * `typing` (default) goes to every other participant; `viewing` (a colleague has the conversation
   * open, issue 14) only to the other staff, never to the patient.
   */
  activity?: 'typing' | 'viewing';
}

interface Typist {
  conversationId: string;
  userId: string;
  recipients: string[];
  username: string;
  timer: ReturnType<typeof setTimeout>;
  connectionId: string;
}

/**
 * "Is typing…" (and, with `activity: 'viewing'`, "is viewing"): relayed to the other participants, never stored, and never left behind. Each
 * indicator expires unless refreshed; closing the connection that typed takes it down at once.
 */
export class TypingService {
  readonly #typists = new Map<string, Typist>();
  readonly #buckets = new Map<string, TokenBucket>();
  #closed = false;

  constructor(private readonly d: TypingDeps) {}

  async set(actor: Actor, conversationId: string, isTyping: boolean, connectionId: string): Promise<void> {
    this.checkRate(connectionId);
    const key = `${conversationId}/${actor.userId}`;
    const current = this.#typists.get(key);
    if (!isTyping) {
      if (current) await this.stop(key, current);
      else await accessConversation(this.d.store, actor, conversationId);
      return;
    }
    const { participants } = await accessConversation(this.d.store, actor, conversationId);
    const user = await this.d.users.get(actor.userId);
    if (current) clearTimeout(current.timer);
    const typist: Typist = {
      conversationId,
      userId: actor.userId,
      recipients: await this.recipientsOf(
        participants.filter((p) => p.userId !== actor.userId).map((p) => p.userId),
      ),
      username: user?.name ?? '',
      connectionId,
      timer: setTimeout(() => {
        this.stop(key, typist).catch((error: unknown) => this.d.onError?.(error));
      }, this.d.ttlMs),
    };
    typist.timer.unref?.();
    this.#typists.set(key, typist);
    await this.publish(typist, true);
  }

  /** A connection went away: whatever it was typing stops now, not when the indicator expires. */
  async connectionClosed(connectionId: string): Promise<void> {
    if (this.#closed) return;
    this.#buckets.delete(connectionId);
    for (const [key, typist] of this.#typists) {
      if (typist.connectionId === connectionId) await this.stop(key, typist);
    }
  }

  /** A message was sent: the sender is no longer typing in that conversation. */
  async messageSent(userId: string, conversationId: string): Promise<void> {
    const key = `${conversationId}/${userId}`;
    const typist = this.#typists.get(key);
    if (typist) await this.stop(key, typist);
  }

  close(): void {
    this.#closed = true;
    for (const typist of this.#typists.values()) clearTimeout(typist.timer);
    this.#typists.clear();
  }

  private async stop(key: string, typist: Typist): Promise<void> {
    if (this.#typists.get(key) !== typist) return;
    clearTimeout(typist.timer);
    this.#typists.delete(key);
    await this.publish(typist, false);
  }

  private async recipientsOf(others: string[]): Promise<string[]> {
    if (this.d.activity !== 'viewing') return others;
    return (await this.d.users.getMany(others)).filter((u) => u.role !== 'patient').map((u) => u.id);
  }

  private async publish(typist: Typist, isTyping: boolean): Promise<void> {
    if (typist.recipients.length === 0) return;
    if (this.d.activity === 'viewing') {
      await this.d.bus.publish(
        domainEvent('viewing.changed', typist.recipients, {
          conversationId: typist.conversationId,
          userId: typist.userId,
          username: typist.username,
          isViewing: isTyping,
          expiresInMs: this.d.ttlMs,
        }),
      );
      return;
    }
    await this.d.bus.publish(
      domainEvent('typing.changed', typist.recipients, {
        conversationId: typist.conversationId,
        userId: typist.userId,
        username: typist.username,
        isTyping,
        expiresInMs: this.d.ttlMs,
      }),
    );
  }

  /** A client needs a frame every few seconds at most; more is noise. */
  private checkRate(connectionId: string): void {
    const now = this.d.clock.now().getTime();
    let bucket = this.#buckets.get(connectionId);
    if (!bucket) {
      bucket = new TokenBucket(5, 2, now);
      this.#buckets.set(connectionId, bucket);
    }
    if (!bucket.take(now)) {
      throw new CoreError('rate_limited', 'Too many typing updates.', { retryAfter: bucket.retryAfter() });
    }
  }
}
