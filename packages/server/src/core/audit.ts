import type { AuditAction } from '@carechat/protocol';
import type { Actor, RequestContext } from './actor.js';
import { newId } from './ids.js';
import type { Clock } from './ports/clock.js';
import type { AuditRecord, SecurityStore } from './ports/security-store.js';

/** Who an event is about: an actor, a door's context without a user (failed sign-in), or the system. */
export type AuditSubject = Partial<Actor> | RequestContext | null;

export interface AuditFields {
  outcome?: 'ok' | 'refused';
  code?: string | undefined;
  conversationId?: string | undefined;
  messageId?: string | undefined;
  targetUserId?: string | undefined;
  /** Small facts only: counts, flags, keyed hashes. Never content, names, emails or tokens. */
  detail?: Record<string, string | number | boolean> | undefined;
}

export interface AuditLogOptions {
  store: SecurityStore;
  clock: Clock;
  /** Events wait at most this long to be written together (the send path stays cheap). */
  flushMs?: number;
  /** A batch this large is written at once. */
  maxBatch?: number;
  onError?: (error: unknown) => void;
}

/** Events kept in memory at most while the database refuses them; past that the oldest are dropped. */
const MAX_BUFFERED = 50_000;

/**
 * The append-only audit trail. Events are buffered and written in one statement per batch, a few
 * milliseconds after they happen, so the send path pays an array push rather than a round trip.
 * `recordNow` is for events that must be durable before the caller answers (sign-ins, admin
 * actions). The table refuses updates and deletes (migration 0004).
 */
export class AuditLog {
  #buffer: AuditRecord[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  readonly #flushMs: number;
  readonly #maxBatch: number;

  constructor(private readonly o: AuditLogOptions) {
    this.#flushMs = o.flushMs ?? 50;
    this.#maxBatch = o.maxBatch ?? 500;
  }

  /** Records an event; it is written within `flushMs`. */
  record(subject: AuditSubject, action: AuditAction, fields: AuditFields = {}): void {
    this.#buffer.push(this.entry(subject, action, fields));
    if (this.#buffer.length > MAX_BUFFERED) this.#buffer.splice(0, this.#buffer.length - MAX_BUFFERED);
    if (this.#buffer.length >= this.#maxBatch) void this.flush();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => void this.flush(), this.#flushMs);
      this.#timer.unref?.();
    }
  }

  /** Records an event and resolves once it (and everything before it) is stored. */
  async recordNow(subject: AuditSubject, action: AuditAction, fields: AuditFields = {}): Promise<void> {
    this.#buffer.push(this.entry(subject, action, fields));
    await this.flush();
  }

  /** Writes everything buffered so far; resolves when it is stored. Writes happen one at a time. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#writing = this.#writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.o.store.appendAuditEvents(batch);
      } catch (error) {
        // Kept for the next flush rather than lost; the operator hears of it (without content).
        this.#buffer = [...batch, ...this.#buffer].slice(-MAX_BUFFERED);
        this.o.onError?.(error);
        if (this.#timer === undefined) {
          this.#timer = setTimeout(() => void this.flush(), 1000);
          this.#timer.unref?.();
        }
      }
    });
    return this.#writing;
  }

  async close(): Promise<void> {
    await this.flush();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * The row of an event, for an action that writes it in its own transaction (a write and its
   * audit row commit together); `record` is for reads and refusals, which write nothing else.
   */
  entry(subject: AuditSubject, action: AuditAction, f: AuditFields = {}): AuditRecord {
    const s = subject ?? {};
    return {
      id: newId('aud'),
      at: this.o.clock.now().toISOString(),
      action,
      outcome: f.outcome ?? 'ok',
      code: f.code ?? null,
      actorId: 'userId' in s && s.userId ? s.userId : null,
      actorRole: 'role' in s && s.role ? s.role : null,
      sessionId: 'sessionId' in s && s.sessionId ? s.sessionId : null,
      door: s.door ?? (subject === null ? 'system' : null),
      address: s.address ?? null,
      conversationId: f.conversationId ?? null,
      messageId: f.messageId ?? null,
      targetUserId: f.targetUserId ?? null,
      detail: f.detail ?? null,
    };
  }
}
