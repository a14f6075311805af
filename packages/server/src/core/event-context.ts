import type { Message } from '@carechat/protocol';
import { domainEvent, type MessageCreated } from './events.js';
import type { Bus } from './ports/bus.js';
import type { CareStore } from './ports/care-store.js';
import type { UserDirectory } from './users.js';

/**
 * Fills in, once per event at its source, what codecs need to encode a message beyond the message
 * itself (the consultation its conversation serves, the sender's role for the seeds' Socket.IO
 * clients), so no door looks anything up per delivered message.
 */
/** Conversations whose consultation is remembered at most (then the cache starts again). */
const MAX_CACHED = 50_000;

export class MessageEventContext {
  /**
   * The consultation of each conversation, as messages are published: a consultation is linked to
   * a conversation when an appointment changes, and every node hears every appointment change on
   * the bus, so the cache is dropped then (and kept small) rather than asked of the store per send.
   */
  readonly #consultations = new Map<string, string | null>();

  constructor(
    private readonly d: { care: Pick<CareStore, 'listConsultationsOfConversation'>; users: UserDirectory },
  ) {}

  /** The bus the core's services publish on: message events leave it complete. */
  publishingOn(bus: Bus): Bus {
    bus.subscribe((event) => {
      if (event.kind === 'appointment.updated') this.#consultations.clear();
    });
    return {
      publish: async (event) =>
        bus.publish(event.kind === 'message.created' ? await this.complete(event) : event),
      subscribe: (handler) => bus.subscribe(handler),
      ...(bus.onRecovered ? { onRecovered: (listener: () => void) => bus.onRecovered!(listener) } : {}),
      ping: () => bus.ping(),
      close: () => bus.close(),
    };
  }

  async complete(event: MessageCreated): Promise<MessageCreated> {
    if (event.consultationId !== undefined && event.senderRole !== undefined) return event;
    const [consultationId, senderRole] = await Promise.all([
      event.consultationId !== undefined
        ? event.consultationId
        : this.consultationOf(event.message.conversation_id),
      event.senderRole !== undefined
        ? event.senderRole
        : this.d.users.get(event.message.sender_id).then((sender) => sender?.role ?? null),
    ]);
    return { ...event, consultationId, senderRole };
  }

  /**
   * Stored messages (gap fill, resume) as complete events for one viewer: one consultation lookup
   * per conversation and one per sender, not per message.
   */
  async eventsFor(viewerId: string, messages: readonly Message[]): Promise<MessageCreated[]> {
    const consultations = new Map<string, string | null>();
    const roles = new Map<string, MessageCreated['senderRole']>();
    for (const message of messages) {
      if (!consultations.has(message.conversation_id))
        consultations.set(message.conversation_id, await this.consultationOf(message.conversation_id));
      if (!roles.has(message.sender_id))
        roles.set(message.sender_id, (await this.d.users.get(message.sender_id))?.role ?? null);
    }
    return messages.map((message) =>
      domainEvent('message.created', [viewerId], {
        message,
        consultationId: consultations.get(message.conversation_id) ?? null,
        senderRole: roles.get(message.sender_id) ?? null,
      }),
    );
  }

  private async consultationOf(conversationId: string): Promise<string | null> {
    const known = this.#consultations.get(conversationId);
    if (known !== undefined) return known;
    const [newest] = await this.d.care.listConsultationsOfConversation(conversationId);
    const id = newest?.id ?? null;
    if (this.#consultations.size >= MAX_CACHED) this.#consultations.clear();
    this.#consultations.set(conversationId, id);
    return id;
  }
}
