import type { Actor } from './actor.js';
import { CoreError } from './errors.js';
import type { ConversationRecord, MessageRecord, ParticipantRecord, Store } from './ports/store.js';

export interface ConversationAccess {
  conversation: ConversationRecord;
  participants: ParticipantRecord[];
  self: ParticipantRecord;
}

/**
 * The only way to reach a conversation's data. A missing conversation and one the actor is not in
 * get the same answer, so ids cannot be probed.
 */
export async function accessConversation(
  store: Store,
  actor: Actor,
  conversationId: string,
): Promise<ConversationAccess> {
  const found = await readConversation(store, conversationId);
  if (!found) throw new CoreError('not_participant');
  const { conversation, participants } = found;
  const self = participants.find((p) => p.userId === actor.userId);
  if (!self) throw new CoreError('not_participant');
  return { conversation, participants, self };
}

/**
 * A message the actor may see: one in a conversation they take part in. Anything else, missing
 * or not, is not_found.
 */
export async function accessMessage(store: Store, actor: Actor, messageId: string): Promise<MessageRecord> {
  const record = await store.findMessage(messageId);
  if (!record) throw new CoreError('not_found', 'No such message.');
  const participant = await store.findParticipant(record.conversationId, actor.userId);
  if (!participant) throw new CoreError('not_found', 'No such message.');
  return record;
}

/** A conversation with its participants, in one query where the store offers it. */
export async function readConversation(
  store: Store,
  conversationId: string,
): Promise<{ conversation: ConversationRecord; participants: ParticipantRecord[] } | undefined> {
  if (store.findConversationWithParticipants) return store.findConversationWithParticipants(conversationId);
  const conversation = await store.findConversation(conversationId);
  return conversation && { conversation, participants: await store.listParticipants([conversation.id]) };
}
