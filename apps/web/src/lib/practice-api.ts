import type { CarechatClient } from '@carechat/client';
import type {
  Appointment,
  InboxFilter,
  InboxItem,
  InboxResponse,
  PatientContext,
  Practice,
  PracticeRole,
  ReplyExpectation,
  SavedReply,
} from '@carechat/protocol';

/**
 * The team inbox's routes (practices, inbox, triage, saved replies, patient context, reply
 * expectations), over the SDK's authenticated HTTP.
 */
export class PracticeApi {
  constructor(private readonly client: CarechatClient) {}

  private async get<T>(path: string): Promise<T> {
    return (await this.client.api.request<T>('GET', path)).body;
  }

  async practices(): Promise<Practice[]> {
    return (await this.get<{ practices: Practice[] }>('/api/practices')).practices;
  }

  /** Admins: a new practice. */
  async create(name: string, awayNotice: string | null): Promise<Practice> {
    const body = { name, away_notice: awayNotice };
    return (await this.client.api.request<{ practice: Practice }>('POST', '/api/practices', { body })).body
      .practice;
  }

  /** Admins: rename, or change the away notice. */
  async update(
    practiceId: string,
    fields: { name?: string; away_notice?: string | null },
  ): Promise<Practice> {
    const path = `/api/practices/${enc(practiceId)}`;
    return (await this.client.api.request<{ practice: Practice }>('PATCH', path, { body: fields })).body
      .practice;
  }

  /** Admins: add a member or change their role. */
  async putMember(practiceId: string, userId: string, role: PracticeRole): Promise<Practice> {
    const path = `/api/practices/${enc(practiceId)}/members/${enc(userId)}`;
    return (await this.client.api.request<{ practice: Practice }>('PUT', path, { body: { role } })).body
      .practice;
  }

  async removeMember(practiceId: string, userId: string): Promise<void> {
    await this.client.api.request('DELETE', `/api/practices/${enc(practiceId)}/members/${enc(userId)}`);
  }

  /** The practice's saved replies as written (placeholders unfilled). */
  async practiceReplies(practiceId: string): Promise<SavedReply[]> {
    return (
      await this.get<{ saved_replies: SavedReply[] }>(`/api/practices/${enc(practiceId)}/saved-replies`)
    ).saved_replies;
  }

  async addReply(practiceId: string, title: string, text: string): Promise<SavedReply> {
    const path = `/api/practices/${enc(practiceId)}/saved-replies`;
    return (
      await this.client.api.request<{ saved_reply: SavedReply }>('POST', path, { body: { title, text } })
    ).body.saved_reply;
  }

  async removeReply(practiceId: string, replyId: string): Promise<void> {
    await this.client.api.request(
      'DELETE',
      `/api/practices/${enc(practiceId)}/saved-replies/${enc(replyId)}`,
    );
  }

  async inbox(practiceId: string, filter: InboxFilter): Promise<InboxItem[]> {
    return (await this.get<InboxResponse>(`/api/practices/${enc(practiceId)}/inbox?filter=${filter}`)).items;
  }

  async assign(practiceId: string, conversationId: string, userId: string | null): Promise<InboxItem> {
    const path = `/api/practices/${enc(practiceId)}/conversations/${enc(conversationId)}/assignee`;
    return (await this.client.api.request<{ item: InboxItem }>('PUT', path, { body: { user_id: userId } }))
      .body.item;
  }

  /** A patient opens (or finds) their conversation with a practice. */
  async open(practiceId: string): Promise<string> {
    const path = `/api/practices/${enc(practiceId)}/conversations`;
    const res = await this.client.api.request<{ conversation: { id: string } }>('POST', path, { body: {} });
    return res.body.conversation.id;
  }

  async context(practiceId: string, conversationId: string): Promise<PatientContext> {
    const path = `/api/practices/${enc(practiceId)}/conversations/${enc(conversationId)}/context`;
    return (await this.get<{ context: PatientContext }>(path)).context;
  }

  /** Staff book a visit for the conversation's patient with a practitioner of the practice. */
  async book(
    practiceId: string,
    conversationId: string,
    practitionerId: string,
    startsAt: Date,
    endsAt: Date,
  ): Promise<Appointment> {
    const path = `/api/practices/${enc(practiceId)}/conversations/${enc(conversationId)}/appointments`;
    const body = {
      practitioner_id: practitionerId,
      starts_at: startsAt.toISOString(),
      ends_at: endsAt.toISOString(),
    };
    return (await this.client.api.request<{ appointment: Appointment }>('POST', path, { body })).body
      .appointment;
  }

  async cancel(practiceId: string, conversationId: string, appointmentId: string): Promise<Appointment> {
    const path = `/api/practices/${enc(practiceId)}/conversations/${enc(conversationId)}/appointments/${enc(appointmentId)}/cancel`;
    return (await this.client.api.request<{ appointment: Appointment }>('POST', path)).body.appointment;
  }

  async savedReplies(conversationId: string): Promise<SavedReply[]> {
    const path = `/api/conversations/${enc(conversationId)}/saved-replies`;
    return (await this.get<{ saved_replies: SavedReply[] }>(path)).saved_replies;
  }

  async expectation(conversationId: string): Promise<ReplyExpectation> {
    const path = `/api/conversations/${enc(conversationId)}/reply-expectation`;
    return (await this.get<{ expectation: ReplyExpectation }>(path)).expectation;
  }
}

const enc = encodeURIComponent;
