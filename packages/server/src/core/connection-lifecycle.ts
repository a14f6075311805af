import type { Actor } from './actor.js';

/** A live connection as the core sees it: whose it is, and its id (typing clean-up keys on it). */
export interface LiveConnection {
  readonly id: string;
  readonly actor: Actor;
}

/** What else must happen when a live connection comes and goes (presence, typing clean-up). */
export interface ConnectionLifecycle {
  connected(connection: LiveConnection): Promise<void>;
  disconnected(connection: LiveConnection): Promise<void>;
}
