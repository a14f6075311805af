import type { DomainEvent } from '../core/events.js';
import type { Bus } from '../core/ports/bus.js';

/**
 * The single-process bus. Several apps built with the same instance act as several nodes of one
 * cluster, which is how tests exercise cross-node delivery without Redis.
 */
export class MemoryBus implements Bus {
  readonly #handlers = new Set<(event: DomainEvent) => void>();

  async publish(event: DomainEvent): Promise<void> {
    for (const handler of this.#handlers) handler(event);
  }

  subscribe(handler: (event: DomainEvent) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#handlers.clear();
  }
}
