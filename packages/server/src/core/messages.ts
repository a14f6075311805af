import type { Attachment, ChatMessageFrame, HistoryQuery, Message } from '@carechat/protocol';
import { notificationPreview } from '@carechat/protocol';
import { accessConversation, accessMessage } from './access.js';
import type { Actor } from './actor.js';
import type { AuditLog } from './audit.js';
import { CoreError } from './errors.js';
import { domainEvent, messageCreated, messageNotification, userIdsOf } from './events.js';
import { newId } from './ids.js';
import type { KeyedLimiter } from './limits.js';
import type { MessageViews } from './message-views.js';
import type { MessagingPolicy } from './policy.js';
import type { AttachmentStorage } from './ports/attachment-storage.js';
import type { Bus } from './ports/bus.js';
import type { Clock } from './ports/clock.js';
import { AppendRefusedError, type AppendResult, type NewMessage } from './ports/message-store.js';
import type { MessageRecord, ParticipantRecord, Store } from './ports/store.js';
import { checkWrite, recordAccessRefusal, recordPolicyRefusal, recordResumeRefusals } from './refusals.js';
import type { RememberedAccess } from './remembered-access.js';

export interface MessageDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  views: MessageViews;
  policy: MessagingPolicy;
  audit: AuditLog;
  /** Sends per user (checked before anything else). */
  sendLimit: KeyedLimiter;
  maxMessageBytes: number;
  /** How long after sending a message its sender may still edit or delete it. */
  editWindowSeconds: number;
  /** Called after a send is stored (the typing indicator of the sender comes down). */
  onSent?: (message: Message) => void;
  /** The recipients who turned notification previews on; without it, notifications carry no content. */
  previewsFor?: (userIds: readonly string[]) => Promise<ReadonlySet<string>>;
  /** Where attachment bytes live: a deleted message's attachments are removed from it after the commit. */
  storage?: AttachmentStorage;
  /** The access check of a send, from a participant list kept current by events (remembered-access.ts). */
  access: RememberedAccess;
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
   * Stores a message and delivers it. The message, the binding of its attachments and its audit
   * row commit together (in the group commit of appends); the events go out after. The returned
   * promise settles only after the commit, so an acknowledgement always means the message is durable.
   */
  async send(
    actor: Actor,
    conversationId: string,
    input: SendInput,
    origin: Origin = {},
  ): Promise<{ message: Message; created: boolean }> {
    this.d.sendLimit.take(actor.userId);
    try {
      return await this.doSend(actor, conversationId, input, origin);
    } catch (error) {
      recordAccessRefusal(this.d.audit, actor, error, conversationId);
      throw error;
    }
  }

  private async doSend(
    actor: Actor,
    conversationId: string,
    input: SendInput,
    origin: Origin,
  ): Promise<{ message: Message; created: boolean }> {
    const refs = input.attachments ?? [];
    this.checkContent(input.content, refs.length > 0);
    const access = await this.d.access.check(actor, conversationId);
    const replyTo = input.replyTo ?? null;
    // A retry returns what was stored, even if the relationship has ended since. A plain send
    // learns that it is a retry from the append itself (one store read fewer per message); a send
    // with attachments or a reply looks first, as their checks would refuse its retry, and so
    // does one the policy refuses.
    const retried = () =>
      input.clientMsgId === undefined
        ? undefined
        : this.d.store.findMessageByClientMsgId(conversationId, actor.userId, input.clientMsgId);
    let stored = refs.length > 0 || replyTo !== null ? await retried() : undefined;
    if (!stored) {
      const refusal = await this.d.policy.checkSend(actor, access.conversation, access.participants).then(
        () => undefined,
        (error: unknown) => error,
      );
      if (refusal !== undefined) {
        stored = await retried();
        if (!stored) {
          recordPolicyRefusal(this.d.audit, actor, refusal, { conversationId, detail: { check: 'send' } });
          throw refusal;
        }
      }
    }
    let record: MessageRecord;
    let created = false;
    if (stored) {
      record = stored;
    } else {
      if (replyTo !== null) await this.checkReplyTarget(conversationId, replyTo);
      const id = newId('msg');
      ({ message: record, created } = await this.append({
        id,
        conversationId,
        senderId: actor.userId,
        clientMsgId: input.clientMsgId ?? newId('srv'),
        content: input.content,
        replyTo,
        attachments: refs.length > 0 ? await this.checkAttachments(actor, conversationId, refs) : [],
        createdAt: this.d.clock.now().toISOString(),
        audit: this.d.audit.entry(actor, 'message.sent', { conversationId, messageId: id }),
      }));
    }
    if (!created && (record.content !== input.content || record.replyTo !== replyTo)) {
      throw new CoreError('conflict', 'This client_msg_id was already used for a different message.');
    }
    const participants = created
      ? access.participants
      : await this.d.store.listParticipants([conversationId]);
    const [message] = await this.d.views.render([record], participants, actor.userId, { fresh: created });
    // A retry is delivered again: a crash between commit and publish must not leave the others
    // without it, and every receiving connection drops a seq it already has.
    await this.deliver(actor, message!, participants, origin);
    this.d.onSent?.(message!);
    return { message: message!, created };
  }

  async history(
    actor: Actor,
    conversationId: string,
    query: HistoryQuery,
  ): Promise<{ messages: Message[]; has_more: boolean }> {
    const { conversation, participants } = await this.readAccess(actor, conversationId);
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
    const messages = await this.d.views.render(records, participants, actor.userId);
    this.d.audit.record(actor, 'conversation.history_read', {
      conversationId,
      detail: { count: messages.length },
    });
    return { messages, has_more: hasMore };
  }

  /**
   * Splits the conversations a resume names into the actor's own and the rest, with one query
   * whatever their number; the rest are recorded as one refusal (recordResumeRefusals).
   */
  async resumable(
    actor: Actor,
    conversationIds: readonly string[],
    /** The actor's conversations as read moments ago (positions): no read when it names them all. */
    known?: ReadonlyMap<string, number>,
  ): Promise<{ own: string[]; refused: string[] }> {
    if (conversationIds.length === 0) return { own: [], refused: [] };
    const mine = known && conversationIds.every((id) => known.has(id)) ? known : await this.positions(actor);
    const own = conversationIds.filter((id) => mine.has(id));
    const refused = conversationIds.filter((id) => !mine.has(id));
    this.refuseResume(actor, refused);
    return { own, refused };
  }

  /** The actor's conversations and where each ends now (its last seq): where a new connection starts. */
  async positions(actor: Actor): Promise<Map<string, number>> {
    return this.d.store.listConversationEnds(actor.userId);
  }

  /** Records the conversations of a resume (or event cursor) that are not the actor's, as one row. */
  refuseResume(actor: Actor, conversationIds: readonly string[]): void {
    recordResumeRefusals(this.d.audit, actor, conversationIds);
  }

  /**
   * Every message after `afterSeq`, page by page, for a resuming client. `knownLastSeq` is the
   * conversation's end as positions read it for this actor moments ago (which also proved the
   * actor a participant): a cursor already there reads nothing, so it costs no store read and no
   * audit row (nothing was read; decision 1704). What was committed since comes to the
   * connection live, as it would after any replay.
   */
  async *replay(
    actor: Actor,
    conversationId: string,
    afterSeq: number,
    knownLastSeq?: number,
  ): AsyncGenerator<Message[]> {
    if (knownLastSeq !== undefined && afterSeq >= knownLastSeq) return;
    const { participants } = await this.readAccess(actor, conversationId);
    let cursor = afterSeq;
    let count = 0;
    try {
      for (;;) {
        const page = await this.d.store.listMessagesAfter(conversationId, cursor, REPLAY_PAGE);
        if (page.length === 0) return;
        count += page.length;
        yield await this.d.views.render(page, participants, actor.userId);
        cursor = page[page.length - 1]!.seq;
        if (page.length < REPLAY_PAGE) return;
      }
    } finally {
      this.d.audit.record(actor, 'conversation.history_read', {
        conversationId,
        detail: { count, resume: true, after_seq: afterSeq },
      });
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
    return this.d.views.render(
      records.filter((r) => r.seq < beforeSeq),
      participants,
      actor.userId,
    );
  }

  async edit(actor: Actor, messageId: string, content: string): Promise<Message> {
    const record = await accessMessage(this.d.store, actor, messageId);
    const access = await accessConversation(this.d.store, actor, record.conversationId);
    // The relationship first: "the consultation has ended" says more than "too late to edit".
    await checkWrite(this.d.policy, this.d.audit, actor, access.conversation, access.participants, 'edit');
    this.checkChangeable(actor, record);
    this.checkContent(content, record.attachments.length > 0);
    const editedAt = this.d.clock.now().toISOString();
    await this.d.store.transaction(async (tx) => {
      await tx.messages.recordMessageEdit({
        id: newId('edt'),
        messageId,
        editorId: actor.userId,
        kind: 'edit',
        previousContent: record.content,
        createdAt: editedAt,
      });
      await tx.messages.updateMessageContent(record.id, content, editedAt);
      await tx.appendAudit([
        this.d.audit.entry(actor, 'message.edited', { conversationId: record.conversationId, messageId }),
      ]);
    });
    await this.d.bus.publish(
      domainEvent('message.edited', userIdsOf(access.participants), {
        conversationId: record.conversationId,
        messageId: record.id,
        seq: record.seq,
        content,
        editedAt,
      }),
    );
    const [message] = await this.d.views.render(
      [{ ...record, content, editedAt }],
      access.participants,
      actor.userId,
    );
    return message!;
  }

  async delete(actor: Actor, messageId: string): Promise<Message> {
    const record = await accessMessage(this.d.store, actor, messageId);
    this.checkChangeable(actor, record);
    const { participants } = await accessConversation(this.d.store, actor, record.conversationId);
    const deletedAt = this.d.clock.now().toISOString();
    // What the message said stays in the server-side edit history (audit), never on the wire.
    const attachmentKeys = await this.d.store.transaction(async (tx) => {
      await tx.messages.recordMessageEdit({
        id: newId('edt'),
        messageId,
        editorId: actor.userId,
        kind: 'delete',
        previousContent: record.content,
        createdAt: deletedAt,
      });
      await tx.messages.markMessageDeleted(record.id, deletedAt);
      const keys = await tx.messages.markAttachmentsDeleted(record.id, deletedAt);
      await tx.appendAudit([
        this.d.audit.entry(actor, 'message.deleted', {
          conversationId: record.conversationId,
          messageId,
          ...(keys.length > 0 ? { detail: { attachments: keys.length } } : {}),
        }),
      ]);
      return keys;
    });
    // After the commit: a failed removal leaves unreachable bytes (retention removes them), never
    // a deleted message whose attachment is still served.
    for (const key of attachmentKeys) await this.d.storage?.remove?.(key).catch(() => {});
    await this.d.bus.publish(
      domainEvent('message.deleted', userIdsOf(participants), {
        conversationId: record.conversationId,
        messageId: record.id,
        seq: record.seq,
        wasEdited: record.editedAt !== null,
      }),
    );
    const [message] = await this.d.views.render(
      // Rendered as deleted (deletedMessageFields, @carechat/protocol) since deletedAt is set.
      [{ ...record, deletedAt }],
      participants,
      actor.userId,
    );
    return message!;
  }

  private async deliver(
    sender: Actor,
    message: Message,
    participants: readonly ParticipantRecord[],
    origin: Origin,
  ): Promise<void> {
    const notify = participants
      .filter((p) => p.userId !== message.sender_id && !p.muted)
      .map((p) => p.userId);
    // No message content in a notification unless its recipient asked for previews.
    const previews =
      notify.length > 0 && this.d.previewsFor ? await this.d.previewsFor(notify) : new Set<string>();
    // One publish per message: its notification rides on it.
    await this.d.bus.publish(
      messageCreated(
        message,
        participants,
        origin,
        sender.role,
        messageNotification(message, notify, previews, notificationPreview(message.content)),
      ),
    );
  }

  /**
   * The append, which checks again in its own transaction that the sender is a participant: the
   * list the send was allowed by may be a second old (RememberedAccess).
   */
  private async append(input: NewMessage): Promise<AppendResult> {
    try {
      return await this.d.store.appendMessage(input);
    } catch (error) {
      if (!(error instanceof AppendRefusedError)) throw error;
      this.d.access.forget(input.conversationId);
      throw new CoreError('not_participant');
    }
  }

  /** The access check of a read; a refusal is recorded (`access.refused`). */
  private async readAccess(actor: Actor, conversationId: string) {
    try {
      return await accessConversation(this.d.store, actor, conversationId);
    } catch (error) {
      recordAccessRefusal(this.d.audit, actor, error, conversationId);
      throw error;
    }
  }

  private checkContent(content: string, hasAttachments: boolean): void {
    if (Buffer.byteLength(content, 'utf8') > this.d.maxMessageBytes) {
      throw new CoreError(
        'message_too_large',
        `Message content is limited to ${this.d.maxMessageBytes} bytes.`,
      );
    }
    if (content.trim().length === 0 && !hasAttachments) {
      throw new CoreError('invalid_request', 'A message needs content or an attachment.');
    }
  }

  private async checkReplyTarget(conversationId: string, replyTo: string): Promise<void> {
    const target = await this.d.store.findMessage(replyTo);
    if (!target || target.conversationId !== conversationId) {
      throw new CoreError('invalid_request', 'reply_to must name a message of the same conversation.');
    }
  }

  /** Attachments must have been uploaded by the sender into this conversation, and not sent yet. */
  private async checkAttachments(
    actor: Actor,
    conversationId: string,
    refs: AttachmentRefs,
  ): Promise<Attachment[]> {
    const ids = [...new Set(refs.map((r) => r.id))];
    const found = await this.d.store.findAttachments(ids);
    if (
      found.length !== ids.length ||
      found.some(
        (a) =>
          a.conversationId !== conversationId ||
          a.uploaderId !== actor.userId ||
          a.messageId !== null ||
          // A purged upload waiting for its bytes to be removed is not sent again.
          (a.deletedAt ?? null) !== null,
      )
    ) {
      throw new CoreError(
        'invalid_request',
        'Attachments must be your own unsent uploads to this conversation.',
      );
    }
    return found.map((a) => ({ id: a.id, name: a.name, content_type: a.contentType, size: a.size }));
  }

  /** Only the sender changes a message, only while it exists, and only within the edit window. */
  private checkChangeable(actor: Actor, record: MessageRecord): void {
    if (record.senderId !== actor.userId)
      throw new CoreError('forbidden', 'Only the sender may change a message.');
    if (record.deletedAt !== null) throw new CoreError('conflict', 'The message was deleted.');
    const age = this.d.clock.now().getTime() - new Date(record.createdAt).getTime();
    if (age > this.d.editWindowSeconds * 1000) {
      throw new CoreError('forbidden', 'The time to change this message has passed.');
    }
  }
}
