import type { Bus, BusEnvelope } from './ports/bus.js';
import type { Subscriber } from './subscriber.js';

/** What else must happen when a connection comes and goes (presence, typing clean-up). */
export interface ConnectionLifecycle {
  connected(subscriber: Subscriber): Promise<void>;
  disconnected(subscriber: Subscriber): Promise<void>;
}

/**
 * This node's live connections, by user. Every envelope from the bus goes to every local
 * connection of each user it names: delivery follows the participant list, not room joins.
 */
export class Hub {
  readonly #byUser = new Map<string, Set<Subscriber>>();
  readonly #unsubscribe: () => void;
  #count = 0;

  constructor(
    bus: Bus,
    private readonly lifecycle: ConnectionLifecycle,
    /** Presence and clean-up failures: reported, never thrown at a door that is opening or closing a socket. */
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.#unsubscribe = bus.subscribe((envelope) => this.dispatch(envelope));
  }

  get connectionCount(): number {
    return this.#count;
  }

  async add(subscriber: Subscriber): Promise<void> {
    const userId = subscriber.actor.userId;
    let set = this.#byUser.get(userId);
    if (!set) {
      set = new Set();
      this.#byUser.set(userId, set);
    }
    set.add(subscriber);
    this.#count += 1;
    await this.lifecycle.connected(subscriber).catch((error: unknown) => this.onError(error));
  }

  async remove(subscriber: Subscriber): Promise<void> {
    const userId = subscriber.actor.userId;
    const set = this.#byUser.get(userId);
    if (!set?.delete(subscriber)) return;
    subscriber.close();
    this.#count -= 1;
    if (set.size === 0) this.#byUser.delete(userId);
    await this.lifecycle.disconnected(subscriber).catch((error: unknown) => this.onError(error));
  }

  /** Every local connection, for shutdown. */
  subscribers(): Subscriber[] {
    return [...this.#byUser.values()].flatMap((set) => [...set]);
  }

  close(): void {
    this.#unsubscribe();
  }

  private dispatch(envelope: BusEnvelope): void {
    const frame = envelope.frame;
    if (frame.type === 'session_revoked') {
      // Only the connections of the sessions that ended hear it, and they are closed after.
      for (const subscriber of this.subscribers()) {
        if (frame.session_ids.includes(subscriber.actor.sessionId)) subscriber.revoke(frame);
      }
      return;
    }
    for (const userId of envelope.userIds) {
      const set = this.#byUser.get(userId);
      if (!set) continue;
      for (const subscriber of set) {
        if (subscriber.id === envelope.exceptConnectionId) continue;
        try {
          subscriber.push(envelope.frame);
        } catch {
          // One broken connection must not keep an event from the others; its door closes it.
        }
      }
    }
  }
}
