import { domainEvent } from './events.js';
import type { Bus } from './ports/bus.js';
import type { Clock } from './ports/clock.js';
import type { Store } from './ports/store.js';
import type { Presence } from './presence.js';
import type { UserDirectory } from './users.js';

export interface PresenceServiceDeps {
  presence: Presence;
  store: Store;
  bus: Bus;
  clock: Clock;
  users: UserDirectory;
  /** A user whose last device left is announced offline only after this long, so a reconnect does not flap. */
  graceMs: number;
  /** Failures of work done later (announcing offline after the grace period). */
  onError?: (error: unknown) => void;
}

/**
 * Online/offline as people see it: a user is online while any of their devices is connected, and
 * only the people who share a conversation with them are told when that changes.
 */
export class PresenceService {
  readonly #goingOffline = new Map<string, ReturnType<typeof setTimeout>>();
  /** After close, connections still going away (shutdown) change nothing: the store may be gone. */
  #closed = false;

  constructor(private readonly d: PresenceServiceDeps) {}

  async deviceConnected(userId: string): Promise<void> {
    if (this.#closed) return;
    const first = await this.d.presence.connected(userId);
    const pending = this.#goingOffline.get(userId);
    if (pending) {
      // Back within the grace period: the others never saw them leave.
      clearTimeout(pending);
      this.#goingOffline.delete(userId);
      return;
    }
    if (first) await this.announce(userId, 'online', null);
  }

  async deviceDisconnected(userId: string): Promise<void> {
    if (this.#closed) return;
    const last = await this.d.presence.disconnected(userId, this.d.clock.now());
    if (!last || this.#goingOffline.has(userId)) return;
    const timer = setTimeout(() => {
      this.#goingOffline.delete(userId);
      this.announceIfStillOffline(userId).catch((error: unknown) => this.d.onError?.(error));
    }, this.d.graceMs);
    timer.unref?.();
    this.#goingOffline.set(userId, timer);
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#goingOffline.values()) clearTimeout(timer);
    this.#goingOffline.clear();
  }

  private async announceIfStillOffline(userId: string): Promise<void> {
    const status = (await this.d.presence.status([userId])).get(userId);
    if (status && !status.online) await this.announce(userId, 'offline', status.lastSeenAt);
  }

  private async announce(
    userId: string,
    status: 'online' | 'offline',
    lastSeenAt: string | null,
  ): Promise<void> {
    if (this.#closed) return;
    const [contacts, user] = await Promise.all([
      this.d.store.listContactIds(userId),
      this.d.users.get(userId),
    ]);
    if (contacts.length === 0) return;
    await this.d.bus.publish(
      domainEvent('presence.changed', contacts, { userId, username: user?.name ?? '', status, lastSeenAt }),
    );
  }
}
