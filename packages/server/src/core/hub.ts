import type { Bus, BusEnvelope } from '../bus/bus.js';
import type { Actor } from './actor.js';
import type { Clock } from './clock.js';
import type { Presence } from './presence.js';
import type { Subscriber } from './subscriber.js';

/**
 * This node's live connections, by user. Every envelope from the bus goes to every local
 * connection of each user it names: delivery follows the participant list, not room joins.
 */
export class Hub {
  readonly #byUser = new Map<string, Set<Subscriber>>();
  readonly #unsubscribe: () => void;
  readonly #connectListeners = new Set<(actor: Actor) => void>();
  #count = 0;

  constructor(
    bus: Bus,
    private readonly presence: Presence,
    private readonly clock: Clock,
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
    await this.presence.connected(userId);
    for (const listener of this.#connectListeners) listener(subscriber.actor);
  }

  /** Called for every connection this node accepts (e.g. a practitioner coming online). */
  onConnect(listener: (actor: Actor) => void): () => void {
    this.#connectListeners.add(listener);
    return () => this.#connectListeners.delete(listener);
  }

  async remove(subscriber: Subscriber): Promise<void> {
    const userId = subscriber.actor.userId;
    const set = this.#byUser.get(userId);
    if (!set?.delete(subscriber)) return;
    subscriber.close();
    this.#count -= 1;
    if (set.size === 0) this.#byUser.delete(userId);
    await this.presence.disconnected(userId, this.clock.now());
  }

  /** Every local connection, for shutdown. */
  subscribers(): Subscriber[] {
    return [...this.#byUser.values()].flatMap((set) => [...set]);
  }

  close(): void {
    this.#unsubscribe();
  }

  private dispatch(envelope: BusEnvelope): void {
    for (const userId of envelope.userIds) {
      const set = this.#byUser.get(userId);
      if (!set) continue;
      for (const subscriber of set) {
        if (subscriber.id !== envelope.exceptConnectionId) subscriber.push(envelope.frame);
      }
    }
  }
}
