import type { Message } from '@carechat/protocol';
import {
  type ConsultationParties,
  type DirectParty,
  domainEvent,
  type MessageCreated,
  type PartyName,
} from './events.js';
import type { Bus } from './ports/bus.js';
import type { CareStore } from './ports/care-store.js';
import type { Usernames } from './usernames.js';
import type { UserDirectory } from './users.js';

/**
 * Fills in, once per event at its source, what codecs need to encode a message beyond the message
 * itself (the consultation its conversation serves, the sender's role for the seeds' Socket.IO
 * clients), so no door looks anything up per delivered message.
 */
/** A conversation's consultation, as message events carry it. */
interface ConsultationRef {
  id: string;
  parties: ConsultationParties;
}

/** Conversations whose consultation is remembered at most (then the cache starts again). */
const MAX_CACHED = 50_000;

export class MessageEventContext {
  /**
   * The consultation of each conversation, as messages are published: a consultation is linked to
   * a conversation when an appointment changes, and every node hears every appointment change on
   * the bus, so the cache is dropped then (and kept small) rather than asked of the store per send.
   */
  readonly #consultations = new Map<string, ConsultationRef | null>();
  /** The two people of 1:1 conversations (never changes: direct conversations keep their members). */
  readonly #directParties = new Map<string, readonly DirectParty[]>();

  constructor(
    private readonly d: {
      care: Pick<CareStore, 'listConsultationsOfConversation'>;
      users: UserDirectory;
      usernames: Usernames;
    },
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
    if (
      event.consultationId !== undefined &&
      event.senderRole !== undefined &&
      event.consultationParties !== undefined &&
      event.directParties !== undefined
    )
      return event;
    const [consultation, senderRole, directParties] = await Promise.all([
      this.consultationOf(event.message.conversation_id),
      event.senderRole !== undefined
        ? event.senderRole
        : this.d.users.get(event.message.sender_id).then((sender) => sender?.role ?? null),
      // A 1:1 conversation's recipients are its two participants.
      event.recipients.length === 2
        ? this.directPartiesOf(event.message.conversation_id, event.recipients)
        : null,
    ]);
    return {
      ...event,
      directParties,
      consultationId: event.consultationId ?? consultation?.id ?? null,
      senderRole,
      consultationParties: consultation?.parties ?? null,
    };
  }

  /**
   * Stored messages (gap fill, resume) as complete events for one viewer: one consultation lookup
   * per conversation and one per sender, not per message.
   */
  async eventsFor(viewerId: string, messages: readonly Message[]): Promise<MessageCreated[]> {
    const consultations = new Map<string, ConsultationRef | null>();
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
        consultationId: consultations.get(message.conversation_id)?.id ?? null,
        senderRole: roles.get(message.sender_id) ?? null,
        consultationParties: consultations.get(message.conversation_id)?.parties ?? null,
      }),
    );
  }

  private async consultationOf(conversationId: string): Promise<ConsultationRef | null> {
    const known = this.#consultations.get(conversationId);
    if (known !== undefined) return known;
    const [newest] = await this.d.care.listConsultationsOfConversation(conversationId);
    const ref = newest ? { id: newest.id, parties: await this.partiesOf(newest) } : null;
    if (this.#consultations.size >= MAX_CACHED) this.#consultations.clear();
    this.#consultations.set(conversationId, ref);
    return ref;
  }

  private async directPartiesOf(
    conversationId: string,
    userIds: readonly string[],
  ): Promise<readonly DirectParty[]> {
    const known = this.#directParties.get(conversationId);
    if (known) return known;
    const [users, usernames] = await Promise.all([
      this.d.users.getMany(userIds),
      this.d.usernames.of(userIds),
    ]);
    const parties = userIds.map((id) => ({
      id,
      name: users.find((u) => u.id === id)?.name ?? 'Deleted user',
      username: usernames.get(id) ?? id,
    }));
    if (this.#directParties.size >= MAX_CACHED) this.#directParties.clear();
    this.#directParties.set(conversationId, parties);
    return parties;
  }

  private async partiesOf(consultation: {
    patientId: string;
    practitionerId: string;
  }): Promise<ConsultationParties> {
    const users = await this.d.users.getMany([consultation.patientId, consultation.practitionerId]);
    const named = (id: string, role: PartyName['role']): PartyName => {
      const user = users.find((u) => u.id === id);
      return { id, name: user?.name ?? 'Deleted user', role: user?.role ?? role };
    };
    return {
      user: named(consultation.patientId, 'patient'),
      doctor: named(consultation.practitionerId, 'practitioner'),
    };
  }
}
