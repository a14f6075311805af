import type { ClientFrame, Message, ReadResponse } from '@carechat/protocol';
import type { Actor } from '../core/actor.js';
import { CoreError } from '../core/errors.js';
import type { Core } from '../core/index.js';

/** Where a frame came from: the conversation its socket's path names, and its connection. */
export interface FrameSource {
  /** Set on /ws/chat/:conversation_id/, where frames may leave conversation_id out. */
  pathConversationId?: string | undefined;
  /** The connection (or HTTP session) that sent it: its own answer skips the bus; rate limits key on it. */
  connectionId: string;
}

/** What a frame did, for the door to render: a socket sends frames, HTTP a body. */
export type FrameOutcome =
  | { kind: 'sent'; message: Message; created: boolean }
  | { kind: 'changed'; message: Message }
  | { kind: 'read'; result: ReadResponse }
  | { kind: 'delivered'; conversationId: string; seq: number }
  | { kind: 'done' }
  | { kind: 'pong' };

/**
 * The one translation of client frames into core calls, shared by the WebSocket doors and
 * `POST /api/frames`. `resume` is not here: it replays into a live connection, which only a
 * socket has.
 */
export async function dispatchFrame(
  core: Core,
  actor: Actor,
  frame: Exclude<ClientFrame, { type: 'resume' }>,
  source: FrameSource,
): Promise<FrameOutcome> {
  switch (frame.type) {
    case 'chat_message': {
      const { message, created } = await core.messages.send(
        actor,
        conversationFor(frame.conversation_id, source),
        {
          clientMsgId: frame.client_msg_id,
          content: frame.content,
          replyTo: frame.reply_to,
          attachments: frame.attachments,
        },
        { connectionId: source.connectionId },
      );
      return { kind: 'sent', message, created };
    }
    case 'typing_indicator':
      await core.typing.set(
        actor,
        conversationFor(frame.conversation_id, source),
        frame.is_typing,
        source.connectionId,
      );
      return { kind: 'done' };
    case 'viewing':
      await core.viewing.set(
        actor,
        conversationFor(frame.conversation_id, source),
        frame.is_viewing,
        source.connectionId,
      );
      return { kind: 'done' };
    case 'read_receipt':
      return { kind: 'read', result: await core.receipts.markRead(actor, receiptTarget(frame, source)) };
    case 'delivery_receipt': {
      const target = receiptTarget(frame, source);
      const seq = await core.receipts.markDelivered(actor, target);
      return { kind: 'delivered', conversationId: target.conversationId ?? '', seq };
    }
    case 'add_reaction':
      await core.reactions.add(actor, frame.message_id, frame.emoji);
      return { kind: 'done' };
    case 'remove_reaction':
      await core.reactions.remove(actor, frame.message_id, frame.emoji);
      return { kind: 'done' };
    case 'edit_message':
      return { kind: 'changed', message: await core.messages.edit(actor, frame.message_id, frame.content) };
    case 'delete_message':
      return { kind: 'changed', message: await core.messages.delete(actor, frame.message_id) };
    case 'ping':
      return { kind: 'pong' };
  }
}

/** The conversation a frame is about: its own field, or the one its socket's path names. */
export function conversationFor(fromFrame: string | undefined, source: FrameSource): string {
  const fromPath = source.pathConversationId;
  if (fromPath !== undefined && fromFrame !== undefined && fromFrame !== fromPath) {
    throw new CoreError('invalid_request', 'This socket carries one conversation only.');
  }
  const conversationId = fromFrame ?? fromPath;
  if (conversationId === undefined) throw new CoreError('invalid_request', 'conversation_id is required.');
  return conversationId;
}

/** A receipt by message_id alone (seed 004's) finds its conversation through the message. */
function receiptTarget(
  frame: { conversation_id?: string | undefined; seq?: number | undefined; message_id?: string | undefined },
  source: FrameSource,
) {
  const byMessageOnly = frame.conversation_id === undefined && frame.message_id !== undefined;
  return {
    conversationId: byMessageOnly
      ? source.pathConversationId
      : conversationFor(frame.conversation_id, source),
    seq: frame.seq,
    messageId: frame.message_id,
  };
}

/** The client's own id for a frame, echoed in an error about it. */
export function frameRef(frame: ClientFrame): string | undefined {
  if ('client_msg_id' in frame) return frame.client_msg_id;
  if ('message_id' in frame) return frame.message_id;
  return undefined;
}
