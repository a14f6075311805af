import type { SecurityStore } from './ports/security-store.js';

/**
 * Who wants message previews in their notifications (off unless the user turns it on). Asked on
 * every send for the recipients, so it is cached; a change on this node applies at once, on other
 * nodes within the cache's life.
 */
export class NotificationSettings {
  readonly #cache = new Map<string, { on: boolean; until: number }>();

  constructor(
    private readonly store: SecurityStore,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 100_000,
  ) {}

  /** The users among `userIds` who turned previews on. */
  async previewsFor(userIds: readonly string[]): Promise<ReadonlySet<string>> {
    const now = Date.now();
    const on = new Set<string>();
    const missing: string[] = [];
    for (const id of userIds) {
      const hit = this.#cache.get(id);
      if (hit && hit.until > now) {
        if (hit.on) on.add(id);
      } else missing.push(id);
    }
    if (missing.length > 0) {
      const loaded = await this.store.getNotificationPreviews(missing);
      for (const id of missing) {
        const value = loaded.get(id) ?? false;
        this.remember(id, value, now);
        if (value) on.add(id);
      }
    }
    return on;
  }

  async get(userId: string): Promise<boolean> {
    return (await this.previewsFor([userId])).has(userId);
  }

  async set(userId: string, on: boolean): Promise<void> {
    await this.store.setNotificationPreviews(userId, on);
    this.remember(userId, on, Date.now());
  }

  private remember(userId: string, on: boolean, now: number): void {
    if (!this.#cache.has(userId) && this.#cache.size >= this.maxEntries) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(userId, { on, until: now + this.ttlMs });
  }
}
