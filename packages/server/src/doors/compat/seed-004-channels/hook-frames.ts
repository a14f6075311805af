import type { Message, ServerFrame } from '@carechat/protocol';

/**
 * Seed 004's profile on `/ws/chat/:conversation_id/`: the frames of docs/protocol.md as its
 * `useWebSocket` hook reads them. Its `useConversation` merges history and live frames by
 * `message_id` and sorts them by `created_at`, so messages carry it (the same instant as
 * `timestamp`); it draws the user's own messages from the room's `chat_message` echo, so the
 * sender's devices get the acknowledgement as `chat_message` too.
 */
export function hookFrames(frame: ServerFrame): ServerFrame[] {
  if (frame.type === 'chat_message') return [withCreatedAt(frame)];
  if (frame.type === 'message_sent') {
    const sent = withCreatedAt(frame);
    return [sent, { ...sent, type: 'chat_message' }];
  }
  return [frame];
}

/** Whether this frame tells the viewer they left the socket's conversation (the socket then closes). */
export function removedFrom(frame: ServerFrame, viewerId: string): boolean {
  return frame.type === 'user_left' && frame.user_id === viewerId;
}

/** Seed 004's history (`GET /api/conversations/:id/messages`) reads Django REST's `results`. */
export function withDrfResults(history: { messages: Message[]; has_more: boolean }) {
  const results = history.messages.map(withCreatedAt);
  return { ...history, messages: results, results };
}

function withCreatedAt<T extends Message>(message: T): T & { created_at: string } {
  return { ...message, created_at: message.timestamp };
}
