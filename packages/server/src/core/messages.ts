import type { ChatMessageFrame, HistoryQuery, Message, ReadResponse } from '@carechat/protocol';
import type { Bus } from '../bus/bus.js';
import type { MessageRecord, ParticipantRecord, Store } from '../store/store.js';
import { accessConversation } from './access.js';
import type { Actor } from './actor.js';
import type { Clock } from './clock.js';
import { CoreError } from './errors.js';
import { newId } from './ids.js';
import type { MessagingPolicy } from './policy.js';
import { toWireMessage } from './render.js';
import type { UserDirectory } from './users.js';

export interface MessageDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  users: UserDirectory;
  policy: MessagingPolicy;
  maxMessageBytes: number;
}

export interface SendInput {
  /** Absent for old clients: the server assigns one, and a retry cannot be recognised. */
  clientMsgId?: string | undefined;
  content: string;
  replyTo?: string | null | undefined;
  attachments?: AttachmentRefs | null | undefined;
}

/** The connection a request came from, which gets its answer directly rather than through the bus. */
export interface Origin {
  connectionId?: string;
}

const REPLAY_PAGE = 200;

/** Attachment references as a client sends them. */
type AttachmentRefs = NonNullable<ChatMessageFrame['attachments']>;

/** Sending, reading, editing and deleting messages, and telling every participant's devices. */
export class MessageService {
  constructor(private readonly d: MessageDeps) {}

  /**
   * Stores a message and delivers it. The returned promise settles only after the commit, so an
   * acknowledgement always means the message is durable.
   */
  async send(
    actor: Actor,
    conversationId: string,
    input: SendInput,
    origin: Origin = {},
  ): Promise<{ message: Message; created: boolean }> {
    this.checkContent(input.content, input.attachments);
    const access = await accessConversation(this.d.store, actor, conversationId);
    await this.d.policy.checkSend(actor, access.conversation, access.participants);
    const replyTo = input.replyTo ?? null;
    if (replyTo !== null) await this.checkReplyTarget(conversationId, replyTo);

    const { message: record, created } = await this.d.store.appendMessage({
      id: newId('msg'),
      conversationId,
      senderId: actor.userId,
      clientMsgId: input.clientMsgId ?? newId('srv'),
      content: input.content,
      replyTo,
      attachments: [],
      createdAt: this.d.clock.now().toISOString(),
    });
    if (!created && (record.content !== input.content || record.replyTo !== replyTo)) {
      throw new CoreError('conflict', 'This client_msg_id was already used for a different message.');
    }
    const participants = created
      ? access.participants
      : await this.d.store.listParticipants([conversationId]);
    const message = await this.render(record, participants);
    // A retry is delivered again: a crash between commit and publish must not leave the others
    // without it, and every receiver drops a seq it already has.
    await this.deliver(message, participants, origin);
    return { message, created };
  }

  async history(
    actor: Actor,
    conversationId: string,
    query: HistoryQuery,
  ): Promise<{ messages: Message[]; has_more: boolean }> {
    const { conversation, participants } = await accessConversation(this.d.store, actor, conversationId);
    const limit = query.limit;
    let records: MessageRecord[];
    let hasMore: boolean;
    if (query.after_seq !== undefined) {
      records = await this.d.store.listMessagesAfter(conversationId, query.after_seq, limit + 1);
      hasMore = records.length > limit;
      if (hasMore) records = records.slice(0, limit);
    } else {
      const before = query.before_seq ?? conversation.lastSeq + 1;
      records = await this.d.store.listMessagesBefore(conversationId, before, limit + 1);
      hasMore = records.length > limit;
      if (hasMore) records = records.slice(1);
    }
    return { messages: await this.renderMany(records, participants), has_more: hasMore };
  }

  /** Every message after `afterSeq`, page by page, for a resuming client. */
  async *replay(actor: Actor, conversationId: string, afterSeq: number): AsyncGenerator<Message[]> {
    const { participants } = await accessConversation(this.d.store, actor, conversationId);
    let cursor = afterSeq;
    for (;;) {
      const page = await this.d.store.listMessagesAfter(conversationId, cursor, REPLAY_PAGE);
      if (page.length === 0) return;
      yield await this.renderMany(page, participants);
      cursor = page[page.length - 1]!.seq;
      if (page.length < REPLAY_PAGE) return;
    }
  }

  /** The messages strictly between two seqs (a gap a connection must fill). */
  async between(
    actor: Actor,
    conversationId: string,
    afterSeq: number,
    beforeSeq: number,
  ): Promise<Message[]> {
    const { participants } = await accessConversation(this.d.store, actor, conversationId);
    const count = Math.min(beforeSeq - afterSeq - 1, REPLAY_PAGE * 5);
    if (count <= 0) return [];
    const records = await this.d.store.listMessagesAfter(conversationId, afterSeq, count);
    return this.renderMany(
      records.filter((r) => r.seq < beforeSeq),
      participants,
    );
  }

  /** Moves the reader's marker forward (never back) and tells every participant's devices. */
  async markRead(
    actor: Actor,
    target: { conversationId?: string | undefined; seq?: number | undefined; messageId?: string | undefined },
  ): Promise<ReadResponse> {
    let conversationId = target.conversationId;
    let seq = target.seq;
    if (target.messageId !== undefined) {
      const message = await this.findAccessible(actor, target.messageId);
      if (conversationId !== undefined && message.conversationId !== conversationId) {
        throw new CoreError('not_found', 'The message is not in this conversation.');
      }
      conversationId = message.conversationId;
      seq = Math.max(seq ?? 0, message.seq);
    }
    if (conversationId === undefined || seq === undefined) {
      throw new CoreError('invalid_request', 'Say which conversation and seq (or message_id) to mark read.');
    }
    const { conversation, participants, self } = await accessConversation(
      this.d.store,
      actor,
      conversationId,
    );
    const marker = await this.d.store.advanceReadMarker(
      conversationId,
      actor.userId,
      Math.min(seq, conversation.lastSeq),
    );
    if (marker > self.lastReadSeq) {
      const at = await this.d.store.findMessageBySeq(conversationId, marker);
      await this.d.bus.publish({
        userIds: participants.map((p) => p.userId),
        frame: {
          type: 'read_receipt',
          conversation_id: conversationId,
          user_id: actor.userId,
          seq: marker,
          message_id: at?.id ?? null,
        },
      });
    }
    const unread = await this.d.store.countUnread(actor.userId, [conversationId]);
    return {
      conversation_id: conversationId,
      last_read_seq: marker,
      unread_count: unread.get(conversationId) ?? 0,
    };
  }

  async edit(actor: Actor, messageId: string, content: string): Promise<Message> {
    this.checkContent(content, undefined);
    const record = await this.findOwn(actor, messageId);
    const access = await accessConversation(this.d.store, actor, record.conversationId);
    await this.d.policy.checkSend(actor, access.conversation, access.participants);
    const editedAt = this.d.clock.now().toISOString();
    await this.d.store.updateMessageContent(record.id, content, editedAt);
    await this.d.bus.publish({
      userIds: access.participants.map((p) => p.userId),
      frame: {
        type: 'message_edited',
        message_id: record.id,
        conversation_id: record.conversationId,
        seq: record.seq,
        content,
        is_edited: true,
        edited_at: editedAt,
      },
    });
    return this.render({ ...record, content, editedAt }, access.participants);
  }

  async delete(actor: Actor, messageId: string): Promise<Message> {
    const record = await this.findOwn(actor, messageId);
    const { participants } = await accessConversation(this.d.store, actor, record.conversationId);
    const deletedAt = this.d.clock.now().toISOString();
    await this.d.store.markMessageDeleted(record.id, deletedAt);
    await this.d.bus.publish({
      userIds: participants.map((p) => p.userId),
      frame: {
        type: 'message_deleted',
        message_id: record.id,
        conversation_id: record.conversationId,
        seq: record.seq,
        content: '',
        is_edited: record.editedAt !== null,
        is_deleted: true,
      },
    });
    return this.render({ ...record, content: '', attachments: [], deletedAt }, participants);
  }

  /** Relays "is typing" to the other participants' devices. Never stored. */
  async typing(actor: Actor, conversationId: string, isTyping: boolean): Promise<void> {
    const { participants } = await accessConversation(this.d.store, actor, conversationId);
    const user = await this.d.users.get(actor.userId);
    await this.d.bus.publish({
      userIds: participants.filter((p) => p.userId !== actor.userId).map((p) => p.userId),
      frame: {
        type: 'typing_indicator',
        conversation_id: conversationId,
        user_id: actor.userId,
        username: user?.name ?? '',
        is_typing: isTyping,
      },
    });
  }

  private async deliver(
    message: Message,
    participants: readonly ParticipantRecord[],
    origin: Origin,
  ): Promise<void> {
    await this.d.bus.publish({
      userIds: [message.sender_id],
      frame: { type: 'message_sent', ...message },
      ...(origin.connectionId === undefined ? {} : { exceptConnectionId: origin.connectionId }),
    });
    const others = participants.filter((p) => p.userId !== message.sender_id).map((p) => p.userId);
    if (others.length > 0)
      await this.d.bus.publish({ userIds: others, frame: { type: 'chat_message', ...message } });
  }

  private checkContent(content: string, attachments: AttachmentRefs | null | undefined): void {
    if (Buffer.byteLength(content, 'utf8') > this.d.maxMessageBytes) {
      throw new CoreError(
        'message_too_large',
        `Message content is limited to ${this.d.maxMessageBytes} bytes.`,
      );
    }
    if (attachments && attachments.length > 0) {
      throw new CoreError('invalid_request', 'Attachments are not accepted by this server yet.');
    }
    if (content.trim().length === 0) throw new CoreError('invalid_request', 'A message needs content.');
  }

  private async checkReplyTarget(conversationId: string, replyTo: string): Promise<void> {
    const target = await this.d.store.findMessage(replyTo);
    if (!target || target.conversationId !== conversationId) {
      throw new CoreError('invalid_request', 'reply_to must name a message of the same conversation.');
    }
  }

  /** A message the actor may see: in a conversation they take part in. Otherwise not_found. */
  private async findAccessible(actor: Actor, messageId: string): Promise<MessageRecord> {
    const record = await this.d.store.findMessage(messageId);
    if (!record || !(await this.d.store.findParticipant(record.conversationId, actor.userId))) {
      throw new CoreError('not_found', 'No such message.');
    }
    return record;
  }

  private async findOwn(actor: Actor, messageId: string): Promise<MessageRecord> {
    const record = await this.findAccessible(actor, messageId);
    if (record.senderId !== actor.userId)
      throw new CoreError('forbidden', 'Only the sender may change a message.');
    if (record.deletedAt !== null) throw new CoreError('conflict', 'The message was deleted.');
    return record;
  }

  private async render(record: MessageRecord, participants: readonly ParticipantRecord[]): Promise<Message> {
    const [message] = await this.renderMany([record], participants);
    return message!;
  }

  private async renderMany(
    records: readonly MessageRecord[],
    participants: readonly ParticipantRecord[],
  ): Promise<Message[]> {
    const senders = await this.d.users.getMany([...new Set(records.map((r) => r.senderId))]);
    const names = new Map(senders.map((u) => [u.id, u.name]));
    return records.map((r) => toWireMessage(r, names.get(r.senderId) ?? '', participants));
  }
}
