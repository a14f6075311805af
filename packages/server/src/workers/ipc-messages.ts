import type { DomainEvent } from '../core/events.js';
import type { PresenceStatus } from '../core/presence.js';

/**
 * What the workers of one `carechat serve --workers N` and their primary say to each other over
 * Node's IPC channel, when no Redis carries events and presence between them. Every message is
 * tagged, so anything else on the channel (Node's own cluster messages) is left alone.
 */
export type WorkerToPrimary =
  | { carechat: 'bus'; event: DomainEvent }
  | { carechat: 'presence'; id: number; op: 'connected' | 'disconnected'; userId: string; at?: string }
  | { carechat: 'presence'; id: number; op: 'status'; userIds: readonly string[] };

export type PrimaryToWorker =
  | { carechat: 'bus'; event: DomainEvent }
  | { carechat: 'presence-reply'; id: number; result: boolean | Array<[string, PresenceStatus]> };

export function isCarechatMessage(message: unknown): message is { carechat: string } {
  return typeof message === 'object' && message !== null && 'carechat' in message;
}
