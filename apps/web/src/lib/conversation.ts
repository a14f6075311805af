import type { Conversation } from '@carechat/protocol';

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
