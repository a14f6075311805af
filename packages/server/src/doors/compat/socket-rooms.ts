import type { ServerFrame } from '@carechat/protocol';
import type { EventOf } from '../../core/events.js';

/**
 * The seeds' rooms on one Socket.IO socket (seed 003's consultations, seed 002's conversations). Delivery follows participation, so a socket hears its
 * user's conversations whether or not it joined; `leave_consultation` is the one thing a room
 * means to those clients: the socket stops hearing the conversation until it joins
 * again (what was said meanwhile is not replayed to it; the history has it).
 */
export class LeftRooms {
  readonly #left = new Set<string>();

  leave(conversationId: string): void {
    this.#left.add(conversationId);
  }

  join(conversationId: string): void {
    this.#left.delete(conversationId);
  }

  /** Whether a frame still reaches the socket. */
  passes(frame: ServerFrame): boolean {
    if (this.#left.size === 0) return true;
    const conversationId = 'conversation_id' in frame ? frame.conversation_id : undefined;
    return conversationId === undefined || !this.#left.has(conversationId);
  }

  hears(conversationId: string): boolean {
    return !this.#left.has(conversationId);
  }
}

/**
 * `user_joined` / `user_left` as the seeds' rooms broadcast them (with the consultation for a room
 * named by one), with carechat's names beside.
 */
export function roomPresence(event: EventOf<'room.changed'>): [string, Record<string, unknown>] {
  return [
    event.present ? 'user_joined' : 'user_left',
    {
      ...(event.consultationId === null
        ? {}
        : { consultationId: event.consultationId, consultation_id: event.consultationId }),
      conversationId: event.conversationId,
      userId: event.userId,
      sender: event.role === 'practitioner' ? 'doctor' : 'user',
      conversation_id: event.conversationId,
      user_id: event.userId,
    },
  ];
}
