import type { AuditLog } from './audit.js';
import type { AttachmentStorage } from './ports/attachment-storage.js';
import type { Clock } from './ports/clock.js';
import type { SecurityStore } from './ports/security-store.js';

export interface RetentionDeps {
  security: SecurityStore;
  clock: Clock;
  storage: AttachmentStorage;
  audit: AuditLog;
  /** Messages older than this many days are purged; 0 keeps everything (the default). */
  days: number;
  onError?: (error: unknown) => void;
}

/**
 * The retention policy: messages (with their reactions, edit history, search index entries and
 * attachments) older than RETENTION_DAYS are deleted for good. Off by default. Every node may run
 * it: the purge is one idempotent statement set, so two nodes at once do no harm. The audit trail
 * is not purged (it must outlive the data it describes).
 */
export class RetentionService {
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: RetentionDeps) {}

  get enabled(): boolean {
    return this.d.days > 0;
  }

  /** Purges what has expired now; returns what went. */
  async purge(): Promise<{ messages: number; attachments: number; cutoff: string | null }> {
    if (!this.enabled) return { messages: 0, attachments: 0, cutoff: null };
    const cutoff = new Date(this.d.clock.now().getTime() - this.d.days * 86_400_000).toISOString();
    const { messages, attachmentKeys } = await this.d.security.purgeBefore(cutoff);
    // Bytes are removed after the commit; a key whose removal fails (the storage is away) keeps
    // its tombstone, and the next purge tries it again.
    const removed: string[] = [];
    let failure: unknown;
    for (const key of attachmentKeys) {
      try {
        await this.d.storage.remove?.(key);
        removed.push(key);
      } catch (error) {
        failure ??= error;
      }
    }
    await this.d.security.forgetAttachments(removed);
    if (messages > 0 || removed.length > 0) {
      await this.d.audit.recordNow(null, 'retention.purged', {
        detail: { messages, attachments: removed.length, cutoff },
      });
    }
    if (failure !== undefined) this.d.onError?.(failure);
    return { messages, attachments: removed.length, cutoff };
  }

  start(intervalMs: number): void {
    if (!this.enabled || intervalMs <= 0 || this.#timer) return;
    const run = () => {
      this.#running = this.purge().catch((error: unknown) => this.d.onError?.(error));
    };
    run();
    this.#timer = setInterval(run, intervalMs);
    this.#timer.unref?.();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
