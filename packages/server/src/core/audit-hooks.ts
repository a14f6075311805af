import type { ErrorCode } from '@carechat/protocol';
import type { AttachmentService } from './attachments.js';
import type { AuditLog } from './audit.js';
import type { MembershipService } from './care/membership.js';
import type { ConversationService } from './conversations.js';
import { isCoreError } from './errors.js';
import type { KeyedLimiter } from './limits.js';
import type { MessageService } from './messages.js';
import type { MessagingPolicy } from './policy.js';
import type { Store } from './ports/store.js';

/** The refusals a messaging policy gives (recorded as `policy.refused`). */
const POLICY_CODES: ReadonlySet<ErrorCode> = new Set([
  'no_care_relationship',
  'appointment_not_accepted',
  'consultation_inactive',
  'consultation_expired',
  'outside_schedule',
]);

/** Access refusals worth recording: someone reached for a conversation that is not theirs. */
const ACCESS_CODES: ReadonlySet<ErrorCode> = new Set(['not_participant', 'forbidden']);

/**
 * The policy, recording every refusal it gives. Every door's create, send and edit goes through
 * it, so this one wrapper sees every refusal.
 */
export function auditedPolicy(policy: MessagingPolicy, audit: AuditLog): MessagingPolicy {
  const refused = (error: unknown, record: (code: string) => void): never => {
    if (isCoreError(error) && POLICY_CODES.has(error.code)) record(error.code);
    throw error;
  };
  return {
    name: policy.name,
    relationship: (conversation, participants) => policy.relationship(conversation, participants),
    visibility: (actor) => policy.visibility(actor),
    async checkStart(actor, others, appointmentId) {
      try {
        await policy.checkStart(actor, others, appointmentId);
      } catch (error) {
        refused(error, (code) =>
          audit.record(actor, 'policy.refused', {
            outcome: 'refused',
            code,
            targetUserId: others[0]?.id,
            detail: { check: 'start', others: others.length },
          }),
        );
      }
    },
    async checkSend(actor, conversation, participants) {
      try {
        await policy.checkSend(actor, conversation, participants);
      } catch (error) {
        refused(error, (code) =>
          audit.record(actor, 'policy.refused', {
            outcome: 'refused',
            code,
            conversationId: conversation.id,
            detail: { check: 'send' },
          }),
        );
      }
    },
  };
}

export interface AuditedServices {
  store: Store;
  messages: MessageService;
  conversations: ConversationService;
  membership: MembershipService;
  attachments: AttachmentService;
}

/**
 * Records who read and changed what, around the services every door calls. Kept in one place so
 * the services stay about their own rules; what is recorded is ids and counts, never content.
 * The per-user send and upload limits sit here too: they are checked before anything else runs.
 */
export function auditServices(
  s: AuditedServices,
  audit: AuditLog,
  limits: { sends: KeyedLimiter; uploads: KeyedLimiter },
): void {
  const refusedAccess = (error: unknown, record: (code: string) => void): never => {
    if (isCoreError(error) && ACCESS_CODES.has(error.code)) record(error.code);
    throw error;
  };

  const messages = s.messages;
  const send = messages.send.bind(messages);
  messages.send = async (actor, conversationId, input, origin) => {
    limits.sends.take(actor.userId);
    try {
      const result = await send(actor, conversationId, input, origin);
      if (result.created) {
        audit.record(actor, 'message.sent', { conversationId, messageId: result.message.message_id });
      }
      return result;
    } catch (error) {
      return refusedAccess(error, (code) =>
        audit.record(actor, 'access.refused', { outcome: 'refused', code, conversationId }),
      );
    }
  };

  const history = messages.history.bind(messages);
  messages.history = async (actor, conversationId, query) => {
    try {
      const result = await history(actor, conversationId, query);
      audit.record(actor, 'conversation.history_read', {
        conversationId,
        detail: { count: result.messages.length },
      });
      return result;
    } catch (error) {
      return refusedAccess(error, (code) =>
        audit.record(actor, 'access.refused', { outcome: 'refused', code, conversationId }),
      );
    }
  };

  const replay = messages.replay.bind(messages);
  messages.replay = async function* (actor, conversationId, afterSeq) {
    let count = 0;
    try {
      for await (const page of replay(actor, conversationId, afterSeq)) {
        count += page.length;
        yield page;
      }
    } catch (error) {
      refusedAccess(error, (code) =>
        audit.record(actor, 'access.refused', { outcome: 'refused', code, conversationId }),
      );
    }
    audit.record(actor, 'conversation.history_read', {
      conversationId,
      detail: { count, resume: true, after_seq: afterSeq },
    });
  };

  const edit = messages.edit.bind(messages);
  messages.edit = async (actor, messageId, content) => {
    const message = await edit(actor, messageId, content);
    audit.record(actor, 'message.edited', { conversationId: message.conversation_id, messageId });
    return message;
  };

  const remove = messages.delete.bind(messages);
  messages.delete = async (actor, messageId) => {
    const message = await remove(actor, messageId);
    audit.record(actor, 'message.deleted', { conversationId: message.conversation_id, messageId });
    return message;
  };

  const conversations = s.conversations;
  const open = conversations.open.bind(conversations);
  conversations.open = async (actor, input) => {
    const result = await open(actor, input);
    if (result.created) {
      audit.record(actor, 'conversation.created', {
        conversationId: result.conversation.id,
        detail: { participants: result.conversation.participants.length },
      });
    }
    return result;
  };

  const membership = s.membership;
  const add = membership.add.bind(membership);
  membership.add = async (actor, conversationId, userIds) => {
    try {
      const conversation = await add(actor, conversationId, userIds);
      const present = new Set(conversation.participants.map((p) => p.user.id));
      for (const userId of new Set(userIds)) {
        if (present.has(userId)) {
          audit.record(actor, 'participant.added', { conversationId, targetUserId: userId });
        }
      }
      return conversation;
    } catch (error) {
      if (isCoreError(error) && POLICY_CODES.has(error.code)) {
        audit.record(actor, 'policy.refused', {
          outcome: 'refused',
          code: error.code,
          conversationId,
          detail: { check: 'add_participants', count: userIds.length },
        });
      }
      throw error;
    }
  };

  const removeParticipant = membership.remove.bind(membership);
  membership.remove = async (actor, conversationId, userId) => {
    await removeParticipant(actor, conversationId, userId);
    audit.record(actor, 'participant.removed', { conversationId, targetUserId: userId });
  };

  const attachments = s.attachments;
  const upload = attachments.upload.bind(attachments);
  attachments.upload = async (actor, conversationId, file) => {
    limits.uploads.take(actor.userId);
    const attachment = await upload(actor, conversationId, file);
    audit.record(actor, 'attachment.uploaded', {
      conversationId,
      detail: { attachment_id: attachment.id, size: attachment.size },
    });
    return attachment;
  };

  const download = attachments.download.bind(attachments);
  attachments.download = async (actor, attachmentId) => {
    const result = await download(actor, attachmentId);
    const [record] = await s.store.findAttachments([attachmentId]);
    audit.record(actor, 'attachment.downloaded', {
      conversationId: record?.conversationId,
      detail: { attachment_id: attachmentId },
    });
    return result;
  };
}
