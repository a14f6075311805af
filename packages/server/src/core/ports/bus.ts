import type { DomainEvent } from '../events.js';

/**
 * Carries domain events between nodes; each node hands them to its own connections of the users
 * they name (the live layer). Events are data, never rendered wire frames: every door encodes them.
 */
export interface Bus {
  publish(event: DomainEvent): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(handler: (event: DomainEvent) => void): () => void;
  /**
   * Optional: called when the bus is back after an outage in which events may have been lost
   * (Redis), so connections can be caught up from the store. Returns an unsubscribe function.
   */
  onRecovered?(listener: () => void): () => void;
  /** Throws when the bus cannot carry events (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
