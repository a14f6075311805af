/**
 * Who is online. The in-memory tracker serves a single node; a shared tracker (Redis keys with a
 * TTL) takes its place when several nodes run.
 */
export interface PresenceStatus {
  online: boolean;
  lastSeenAt: string | null;
}

export interface Presence {
  /** A device of the user connected; true when it is the user's first. */
  connected(userId: string): Promise<boolean>;
  /** A device went away; true when it was the user's last. */
  disconnected(userId: string, at: Date): Promise<boolean>;
  status(userIds: readonly string[]): Promise<Map<string, PresenceStatus>>;
}

export class MemoryPresence implements Presence {
  readonly #devices = new Map<string, number>();
  readonly #lastSeen = new Map<string, string>();

  async connected(userId: string): Promise<boolean> {
    const count = (this.#devices.get(userId) ?? 0) + 1;
    this.#devices.set(userId, count);
    return count === 1;
  }

  async disconnected(userId: string, at: Date): Promise<boolean> {
    const count = (this.#devices.get(userId) ?? 1) - 1;
    this.#lastSeen.set(userId, at.toISOString());
    if (count > 0) {
      this.#devices.set(userId, count);
      return false;
    }
    this.#devices.delete(userId);
    return true;
  }

  async status(userIds: readonly string[]): Promise<Map<string, PresenceStatus>> {
    return new Map(
      userIds.map((id) => [
        id,
        { online: this.#devices.has(id), lastSeenAt: this.#lastSeen.get(id) ?? null },
      ]),
    );
  }
}
