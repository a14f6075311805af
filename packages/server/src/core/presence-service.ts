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

/** An announcement waiting for its batch, and who waits for it to go out. */
interface Announcement {
  userId: string;
  status: 'online' | 'offline';
  lastSeenAt: string | null;
  done: () => void;
  fail: (error: unknown) => void;
}

/**
 * How long an announcement waits for others to share its reads, and the most one batch takes. A
 * node restarting under 10,000 reconnecting sockets announced each of them with two reads of
 * its own; batched, a burst costs two reads per few hundred (decision 1704). People see someone
 * come online this much later, which nobody notices.
 */
const ANNOUNCE_BATCH_MS = 20;
const MAX_BATCH = 500;

/**
 * Online/offline as people see it: a user is online while any of their devices is connected, and
 * only the people who share a conversation with them are told when that changes.
 */
export class PresenceService {
  readonly #goingOffline = new Map<string, ReturnType<typeof setTimeout>>();
  /** Announcements in arrival order; one batch goes out at a time, so their order holds. */
  #waiting: Announcement[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sending = false;
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
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // Nothing more is announced; whoever waits for an announcement is let go.
    for (const announcement of this.#waiting.splice(0)) announcement.done();
  }

  private async announceIfStillOffline(userId: string): Promise<void> {
    const status = (await this.d.presence.status([userId])).get(userId);
    if (status && !status.online) await this.announce(userId, 'offline', status.lastSeenAt);
  }

  /** Resolves once the announcement has gone out (or nobody was there to hear it). */
  private announce(userId: string, status: 'online' | 'offline', lastSeenAt: string | null): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({
        userId,
        status,
        lastSeenAt,
        done: resolve,
        fail: reject,
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.#timer !== undefined || this.#sending || this.#waiting.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.sendBatch();
    }, ANNOUNCE_BATCH_MS);
    this.#timer.unref?.();
  }

  /** One contacts read and one users read for the whole batch, then its events in order. */
  private async sendBatch(): Promise<void> {
    const batch = this.#waiting.splice(0, MAX_BATCH);
    this.#sending = true;
    try {
      const userIds = [...new Set(batch.map((a) => a.userId))];
      const [contacts, users] = await Promise.all([
        this.d.store.listContactIds(userIds),
        this.d.users.getMany(userIds),
      ]);
      const names = new Map(users.map((u) => [u.id, u.name]));
      // Published in order without waiting in between: the bus keeps the order it is given.
      const sent = batch.map(async (a) => {
        const recipients = contacts.get(a.userId) ?? [];
        if (this.#closed || recipients.length === 0) return;
        await this.d.bus.publish(
          domainEvent('presence.changed', recipients, {
            userId: a.userId,
            username: names.get(a.userId) ?? '',
            status: a.status,
            lastSeenAt: a.lastSeenAt,
          }),
        );
      });
      const outcomes = await Promise.allSettled(sent);
      for (const [i, outcome] of outcomes.entries()) {
        if (outcome.status === 'rejected') batch[i]!.fail(outcome.reason);
        else batch[i]!.done();
      }
    } catch (error) {
      for (const announcement of batch) announcement.fail(error);
    } finally {
      this.#sending = false;
      this.schedule();
    }
  }
}
