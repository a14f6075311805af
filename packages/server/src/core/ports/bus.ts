import type { ServerFrame } from '@carechat/protocol';

/**
 * One event for some users' devices, wherever they are connected. The bus carries envelopes
 * between nodes; each node hands them to its own connections (core/hub.ts).
 */
export interface BusEnvelope {
  userIds: readonly string[];
  frame: ServerFrame;
  /** A connection that already got this frame directly (the one that sent it), to skip. */
  exceptConnectionId?: string;
}

export interface Bus {
  publish(envelope: BusEnvelope): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(handler: (envelope: BusEnvelope) => void): () => void;
  /**
   * Optional: called when the bus is back after an outage in which events may have been lost
   * (Redis), so connections can be caught up from the store. Returns an unsubscribe function.
   */
  onRecovered?(listener: () => void): () => void;
  /** Throws when the bus cannot carry events (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
