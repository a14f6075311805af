import type { Message } from '@carechat/protocol';
import type { MessageRecord, ParticipantRecord, Store } from './ports/store.js';
import type { UserDirectory } from './users.js';
import { summarizeReactions, toReplyPreview, toWireMessage } from './wire.js';

/**
 * Renders stored messages for one viewer: sender names, quoted replies, reactions with "mine",
 * delivery and read state. Batched: one lookup of each kind per page, whatever its size.
 */
export class MessageViews {
  constructor(
    private readonly store: Store,
    private readonly users: UserDirectory,
  ) {}

  async render(
    records: readonly MessageRecord[],
    participants: readonly ParticipantRecord[],
    viewerId: string,
    options: { fresh?: boolean } = {},
  ): Promise<Message[]> {
    if (records.length === 0) return [];
    const byId = new Map(records.map((r) => [r.id, r]));
    const missingTargets = [
      ...new Set(records.flatMap((r) => (r.replyTo && !byId.has(r.replyTo) ? [r.replyTo] : []))),
    ];
    const [targets, reactions] = await Promise.all([
      this.store.findMessages(missingTargets),
      // A message just stored has no reactions yet: skip the lookup on the send path.
      options.fresh ? Promise.resolve([]) : this.store.listReactions(records.map((r) => r.id)),
    ]);
    for (const target of targets) byId.set(target.id, target);
    const senders = await this.users.getMany([...new Set([...byId.values()].map((r) => r.senderId))]);
    const names = new Map(senders.map((u) => [u.id, u.name]));
    return records.map((record) => {
      const target = record.replyTo ? byId.get(record.replyTo) : undefined;
      return toWireMessage(record, {
        senderName: names.get(record.senderId) ?? '',
        participants,
        replyPreview: target ? toReplyPreview(target, names.get(target.senderId) ?? '') : null,
        reactions: summarizeReactions(
          reactions.filter((r) => r.messageId === record.id),
          viewerId,
        ),
      });
    });
  }
}
