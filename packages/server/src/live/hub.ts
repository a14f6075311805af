import type { ConnectionLifecycle } from '../core/connection-lifecycle.js';
import type { DomainEvent } from '../core/events.js';
import type { Bus } from '../core/ports/bus.js';
import type { LiveSession } from './session.js';

/**
 * This node's live sessions, by user. Every domain event from the bus goes to every local session
 * of each user it names: delivery follows the participant list, not room joins.
 */
export class Hub {
  readonly #byUser = new Map<string, Set<LiveSession>>();
  readonly #unsubscribe: () => void;
  #count = 0;

  constructor(
    bus: Bus,
    private readonly lifecycle: ConnectionLifecycle,
    /** Presence and clean-up failures: reported, never thrown at a door that is opening or closing a connection. */
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.#unsubscribe = bus.subscribe((event) => this.dispatch(event));
  }

  get connectionCount(): number {
    return this.#count;
  }

  async add(session: LiveSession): Promise<void> {
    const userId = session.actor.userId;
    let set = this.#byUser.get(userId);
    if (!set) {
      set = new Set();
      this.#byUser.set(userId, set);
    }
    set.add(session);
    this.#count += 1;
    await this.lifecycle.connected(session).catch((error: unknown) => this.onError(error));
  }

  async remove(session: LiveSession): Promise<void> {
    const userId = session.actor.userId;
    const set = this.#byUser.get(userId);
    if (!set?.delete(session)) return;
    session.close();
    this.#count -= 1;
    if (set.size === 0) this.#byUser.delete(userId);
    await this.lifecycle.disconnected(session).catch((error: unknown) => this.onError(error));
  }

  /** Every local session (sweep, catch-up, shutdown). */
  sessions(): LiveSession[] {
    return [...this.#byUser.values()].flatMap((set) => [...set]);
  }

  close(): void {
    this.#unsubscribe();
  }

  private dispatch(event: DomainEvent): void {
    if (event.kind === 'session.revoked') {
      // Only the connections of the sessions that ended hear it, and they are closed after.
      for (const session of this.sessions()) {
        if (event.sessionIds.includes(session.actor.sessionId))
          session.revoke(event.reason, event.sessionIds);
      }
      return;
    }
    if (event.kind === 'user.access_changed') {
      // A connection acts with the role it was admitted with: a changed role (or an account no
      // longer active) ends it; the client signs in again and acts as what it is now.
      for (const session of this.#byUser.get(event.userId) ?? []) {
        if (session.actor.role !== event.role || event.status === 'rejected')
          session.revoke('access_changed');
      }
      return;
    }
    for (const userId of event.recipients) {
      const set = this.#byUser.get(userId);
      if (!set) continue;
      for (const session of set) {
        try {
          session.deliver(event);
        } catch {
          // One broken connection must not keep an event from the others; its door closes it.
        }
      }
    }
  }
}
