import type { Conversation, ConversationResponse, Participant } from '@carechat/protocol';
import type { ChatStore } from '@carechat/react';

/**
 * A conversation's name as its viewer reads it: the other person, or the group's members; with a
 * practice, the practice to its patient and the patient to its team.
 */
export function conversationTitle(conversation: Conversation, meId: string): string {
  const practice = conversation.practice;
  if (practice) {
    if (practice.patient_id === meId) return practice.name;
    const patient = conversation.participants.find((p) => p.user.id === practice.patient_id);
    if (patient) return patient.user.name;
  }
  const others = conversation.participants.filter((p) => p.user.id !== meId).map((p) => p.user.name);
  if (others.length === 0) return 'Just you';
  if (conversation.kind === 'direct' || others.length === 1) return others[0]!;
  if (others.length === 2) return `${others[0]} and ${others[1]}`;
  return `${others[0]}, ${others[1]} and ${others.length - 2} more`;
}

/** The other people in a conversation. */
export function others(conversation: Conversation, meId: string): Participant[] {
  return conversation.participants.filter((p) => p.user.id !== meId);
}

/** Mutes or unmutes a conversation's notifications for the user; the list shows the answer. */
export async function setMuted(chat: ChatStore, conversationId: string, muted: boolean): Promise<void> {
  const { body } = await chat.client.api.request<ConversationResponse>(
    'PATCH',
    `/api/conversations/${encodeURIComponent(conversationId)}`,
    { body: { muted } },
  );
  chat.put(body.conversation);
}
