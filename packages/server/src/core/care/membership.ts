import type { Conversation } from '@carechat/protocol';
import { accessConversation } from '../access.js';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit.js';
import { newParticipant } from '../conversation-rows.js';
import type { ConversationService } from '../conversations.js';
import { CoreError } from '../errors.js';
import { domainEvent, userIdsOf } from '../events.js';
import type { MessagingPolicy } from '../policy.js';
import type { Bus } from '../ports/bus.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import { recordPolicyRefusal } from '../refusals.js';
import { isReachable, type UserDirectory } from '../users.js';
import { vouchedBy } from './parties.js';

export interface MembershipDeps {
  store: Store;
  audit: AuditLog;
  bus: Bus;
  clock: Clock;
  users: UserDirectory;
  policy: MessagingPolicy;
  conversations: ConversationService;
}

/**
 * Care-team (group) conversations gaining and losing members. Staff (practitioners, admins) add;
 * each practitioner added is recorded with who added them (their access lasts while the adder's
 * own relationship with the patient does, docs/decisions/1201). Staff and the patient remove
 * anyone; anyone may leave. A removed participant's row is deleted, so every access check —
 * history included — refuses them from that moment.
 */
export class MembershipService {
  constructor(private readonly d: MembershipDeps) {}

  async add(actor: Actor, conversationId: string, userIds: readonly string[]): Promise<Conversation> {
    const { conversation, participants } = await this.groupAccess(actor, conversationId);
    if (actor.role === 'patient')
      throw new CoreError('forbidden', 'Only care staff add people to a care team.');
    const wanted = [...new Set(userIds)].filter((id) => !participants.some((p) => p.userId === id));
    const users = await this.d.users.getMany(wanted);
    // A practitioner waiting for approval is no one yet (core/users.ts isReachable).
    if (users.length !== wanted.length || !users.every(isReachable))
      throw new CoreError('not_found', 'A participant does not exist.');
    if (wanted.length === 0) return this.d.conversations.get(actor, conversationId);

    const now = this.d.clock.now().toISOString();
    // They can read the history, but it is not news to them.
    const joining = wanted.map((userId) => newParticipant(conversationId, userId, now, conversation.lastSeq));
    // The care team: who the actor vouches for by bringing these people in (care/parties.ts).
    const present = await this.d.users.getMany(participants.map((p) => p.userId));
    const team = vouchedBy(actor, users, present);
    const { code } = await this.d.policy.relationship(conversation, [...participants, ...joining], team);
    if (code !== null && actor.role !== 'admin') {
      const error = new CoreError(code);
      recordPolicyRefusal(this.d.audit, actor, error, {
        conversationId,
        detail: { check: 'add_participants', count: userIds.length },
      });
      throw error;
    }

    // The new rows and their audit rows commit together; the events go out after.
    const added = await this.d.store.transaction(async (tx) => {
      const rows = await tx.conversations.addParticipants(joining);
      const stays = (userId: string) =>
        rows.includes(userId) || participants.some((p) => p.userId === userId);
      await tx.care.putCareTeamMembers(
        [...team]
          .filter(([userId]) => stays(userId))
          .map(([userId, addedBy]) => ({ conversationId, userId, addedBy, addedAt: now })),
      );
      await tx.appendAudit(
        rows.map((userId) =>
          this.d.audit.entry(actor, 'participant.added', { conversationId, targetUserId: userId }),
        ),
      );
      return rows;
    });
    const everyone = [...participants.map((p) => p.userId), ...added];
    for (const userId of added) {
      await this.d.bus.publish(domainEvent('participant.joined', everyone, { conversationId, userId }));
    }
    await this.d.conversations.announce(conversationId, added);
    return this.d.conversations.get(actor, conversationId);
  }

  async remove(actor: Actor, conversationId: string, userId: string): Promise<void> {
    const { participants } = await this.groupAccess(actor, conversationId);
    if (!participants.some((p) => p.userId === userId))
      throw new CoreError('not_found', 'Not a participant.');
    // Every participant may remove anyone: staff manage the team, and a patient decides who takes
    // part in their own care (issue 12); anyone may leave.
    const removed = await this.d.store.transaction(async (tx) => {
      if (!(await tx.conversations.removeParticipant(conversationId, userId))) return false;
      await tx.appendAudit([
        this.d.audit.entry(actor, 'participant.removed', { conversationId, targetUserId: userId }),
      ]);
      return true;
    });
    if (!removed) return;
    // The one who left hears it too, so their devices can drop the conversation.
    await this.d.bus.publish(
      domainEvent('participant.left', userIdsOf(participants), { conversationId, userId }),
    );
  }

  private async groupAccess(actor: Actor, conversationId: string) {
    const access = await accessConversation(this.d.store, actor, conversationId);
    if (access.conversation.kind !== 'group') {
      throw new CoreError('invalid_request', 'Only group conversations gain or lose participants.');
    }
    return access;
  }
}
