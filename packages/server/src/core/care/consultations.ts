import type { Consultation, Message } from '@carechat/protocol';
import { accessConversation } from '../access.js';
import type { Actor } from '../actor.js';
import { CoreError } from '../errors.js';
import type { MessageService, Origin, SendInput } from '../messages.js';
import type { CareStore, ConsultationRecord } from '../ports/care-store.js';
import type { Store } from '../ports/store.js';
import type { RoomPresence } from '../room-presence.js';
import { toWireConsultation } from './care-wire.js';

export interface ConsultationDeps {
  store: Store;
  care: CareStore;
  messages: MessageService;
  rooms: RoomPresence;
}

/**
 * Consultations as seed 003's clients address them: by consultation id. A consultation id is only
 * another name for its conversation: sending resolves it and takes the one send path, where the
 * policy applies the consultation rules to every conversation with a consultation basis, whichever
 * door and whichever name was used.
 */
export class ConsultationService {
  constructor(private readonly d: ConsultationDeps) {}

  /** A consultation the actor takes part in (through its conversation). */
  async open(actor: Actor, consultationId: string): Promise<Consultation & { conversation_id: string }> {
    const consultation = await this.find(actor, consultationId);
    return { ...toWireConsultation(consultation), conversation_id: consultation.conversationId };
  }

  async send(
    actor: Actor,
    consultationId: string,
    input: SendInput,
    origin: Origin = {},
  ): Promise<{ message: Message; created: boolean }> {
    const consultation = await this.find(actor, consultationId);
    return this.d.messages.send(actor, consultation.conversationId, input, origin);
  }

  /**
   * Opens or closes the consultation's room on one of the actor's connections (seed 003's
   * join_consultation / leave_consultation): the participants' other connections hear who came or
   * went. Delivery does not depend on it. Returns the consultation with its conversation.
   */
  async enterRoom(
    actor: Actor,
    consultationId: string,
    present: boolean,
    connectionId: string,
  ): Promise<Consultation & { conversation_id: string }> {
    const consultation = await this.find(actor, consultationId);
    await this.d.rooms.announce(actor, consultation.conversationId, present, connectionId, consultationId);
    return { ...toWireConsultation(consultation), conversation_id: consultation.conversationId };
  }

  /** The consultation a conversation belongs to (the newest), for doors that speak in consultations. */
  async idForConversation(conversationId: string): Promise<string | null> {
    const [newest] = await this.d.care.listConsultationsOfConversation(conversationId);
    return newest?.id ?? null;
  }

  /** Missing, without a conversation, or not the actor's: the same not_participant answer. */
  private async find(
    actor: Actor,
    consultationId: string,
  ): Promise<ConsultationRecord & { conversationId: string }> {
    const consultation = await this.d.care.findConsultation(consultationId);
    if (!consultation?.conversationId) throw new CoreError('not_participant');
    await accessConversation(this.d.store, actor, consultation.conversationId);
    return { ...consultation, conversationId: consultation.conversationId };
  }
}
