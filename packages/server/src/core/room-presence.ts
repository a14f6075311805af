import { accessConversation } from './access.js';
import type { Actor } from './actor.js';
import { domainEvent, userIdsOf } from './events.js';
import type { Bus } from './ports/bus.js';
import type { Store } from './ports/store.js';

/**
 * Who has a conversation's room open, as the seeds' Socket.IO clients announce it (join and
 * leave events): the participants' other connections hear who came or went. A room is a
 * connection's view, never who receives what: delivery follows participation.
 */
export class RoomPresence {
  constructor(private readonly d: { store: Store; bus: Bus }) {}

  /** Announces that the actor opened (`present`) or left the room on one connection. */
  async announce(
    actor: Actor,
    conversationId: string,
    present: boolean,
    connectionId: string,
    consultationId: string | null = null,
  ): Promise<void> {
    const { participants } = await accessConversation(this.d.store, actor, conversationId);
    await this.d.bus.publish(
      domainEvent('room.changed', userIdsOf(participants), {
        consultationId,
        conversationId,
        userId: actor.userId,
        role: actor.role,
        present,
        exceptConnectionId: connectionId,
      }),
    );
  }
}
