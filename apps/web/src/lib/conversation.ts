import type { Conversation } from '@carechat/protocol';

/** A conversation's name as its viewer reads it: the other person, or the group's members. */
export function conversationTitle(conversation: Conversation, meId: string): string {
  const others = conversation.participants.filter((p) => p.user.id !== meId).map((p) => p.user.name);
  if (others.length === 0) return 'Just you';
  if (conversation.kind === 'direct' || others.length === 1) return others[0]!;
  if (others.length === 2) return `${others[0]} and ${others[1]}`;
  return `${others[0]}, ${others[1]} and ${others.length - 2} more`;
}
