import type { Message, ServerFrame } from '@carechat/protocol';
import type { DirectParty, DomainEvent } from '../../../core/events.js';

/** A frame of seed 001's own shape (its `timestamp` is a number: not a protocol frame). */
export interface SidebarFrame {
  type: string;
  [field: string]: unknown;
}

/** The text of the seed's refresh hint (its consumer's own words). */
const NEW_CONVERSATION_TEXT = 'New conversation created';

/**
 * Seed 001's profile on its per-user socket (`/ws/chat/`): a message is the frame its
 * `chat_message` consumer sent — `message` (the text), `sender` and `receiver` (usernames, see
 * core/usernames.ts), `sender_full_name`, `timestamp` in Unix seconds, `is_new_conversation` —
 * as `chat_message` to the receiver and `message_sent` to the sender's devices, with carechat's
 * own fields beside. The receiver of a conversation's first message also gets the seed's
 * `conversation_refresh` naming the sender; carechat's own sender-less refresh is left out (the
 * seed's sidebar would announce the conversation twice). Emails are never sent (always '').
 */
export function sidebarFrames(
  frame: ServerFrame,
  event: DomainEvent | undefined,
  viewerId: string,
): Array<ServerFrame | SidebarFrame> {
  if (frame.type === 'conversation_refresh') return [];
  if (frame.type !== 'chat_message' && frame.type !== 'message_sent') return [frame];
  const parties = event?.kind === 'message.created' ? event.directParties : undefined;
  const { type, ...message } = frame;
  const seed = seedMessage(message, parties ?? null, viewerId);
  const out: Array<ServerFrame | SidebarFrame> = [{ type, ...message, ...seed }];
  if (type === 'chat_message' && seed.is_new_conversation && message.sender_id !== viewerId) {
    out.push({
      type: 'conversation_refresh',
      conversation_id: message.conversation_id,
      message: NEW_CONVERSATION_TEXT,
      sender: seed.sender,
      sender_full_name: seed.sender_full_name,
      sender_email: '',
      timestamp: seed.timestamp,
    });
  }
  return out;
}

function seedMessage(message: Message, parties: readonly DirectParty[] | null, viewerId: string) {
  const sender = parties?.find((p) => p.id === message.sender_id);
  const receiver = parties?.find((p) => p.id !== message.sender_id);
  return {
    message: message.content,
    sender: sender?.username ?? message.sender_id,
    receiver: receiver?.username ?? (message.sender_id === viewerId ? null : viewerId),
    timestamp: Math.floor(Date.parse(message.timestamp) / 1000),
    // A conversation's first message is what makes it new to its receiver.
    is_new_conversation: message.seq === 1,
    sender_full_name: message.sender_name,
    sender_email: '',
    receiver_full_name: receiver?.name ?? null,
    receiver_email: '',
  };
}
