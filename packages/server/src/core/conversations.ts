import type { Conversation, CreateConversationBody } from '@carechat/protocol';
import { accessConversation } from './access.js';
import type { Actor } from './actor.js';
import type { AuditLog } from './audit.js';
import { vouchedBy } from './care/parties.js';
import { newConversation, newParticipant } from './conversation-rows.js';
import { CoreError } from './errors.js';
import { domainEvent, userIdsOf } from './events.js';
import { newId } from './ids.js';
import type { Hold, MessagingPolicy } from './policy.js';
import type { Bus } from './ports/bus.js';
import type { Clock } from './ports/clock.js';
import type { PracticeReads } from './ports/practice-store.js';
import {
  type ConversationRecord,
  type ParticipantRecord,
  type Store,
  StoreConflictError,
  type StoreTransaction,
  type UserRecord,
} from './ports/store.js';
import type { Presence } from './presence.js';
import { recordPolicyRefusal } from './refusals.js';
import type { SharedQuota } from './shared-quota.js';
import { isReachable, type UserDirectory } from './users.js';
import { toWireConversation } from './wire.js';

export interface ConversationDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  users: UserDirectory;
  presence: Presence;
  policy: MessagingPolicy;
  audit: AuditLog;
  /** New group conversations per user (a 1:1 is found again, never multiplied). */
  groupLimit?: SharedQuota;
  /** Which conversations a practice takes part in (their wire form names it). */
  practices?: PracticeReads;
}

/** A conversation found or created in a transaction; `userIds` are told once it commits. */
export interface OpenedConversation {
  conversation: ConversationRecord;
  created: boolean;
  userIds: readonly string[];
}

/**
 * Runs a transaction again, once, when it lost a race to create the same thing (two people opening
 * the same 1:1 at once): the loser's transaction rolled back whole, and its second run finds the
 * winner's row.
 */
export async function onceMoreOnConflict<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof StoreConflictError) return work();
    throw error;
  }
}

/** Opening and listing conversations. Messages live in messages.ts. */
export class ConversationService {
  constructor(private readonly d: ConversationDeps) {}

  /** Find-or-create: a 1:1 pair has one conversation; asking again returns it with created=false. */
  async open(
    actor: Actor,
    input: CreateConversationBody,
  ): Promise<{ conversation: Conversation; created: boolean }> {
    const otherIds = [...new Set(input.participant_ids)].filter((id) => id !== actor.userId);
    if (otherIds.length === 0) {
      throw new CoreError('invalid_request', 'participant_ids must name someone other than yourself');
    }
    const others = await this.d.users.getMany(otherIds);
    if (others.length !== otherIds.length || !others.every(isReachable)) {
      throw new CoreError('not_found', 'A participant does not exist.');
    }
    const self = await this.d.users.get(actor.userId);
    if (self && !isReachable(self)) {
      throw new CoreError('forbidden', 'Your account is waiting for an administrator’s approval.');
    }

    const directKey = otherIds.length === 1 ? directKeyOf([actor.userId, ...otherIds]) : null;
    if (directKey) {
      const existing = await this.d.store.findConversationByDirectKey(directKey);
      if (existing) return { conversation: await this.get(actor, existing.id), created: false };
    }
    if (!directKey) await this.d.groupLimit?.take(actor.userId);
    const appointmentId = input.appointment_id ?? null;
    try {
      await this.d.policy.checkStart(actor, others, appointmentId);
    } catch (error) {
      recordPolicyRefusal(this.d.audit, actor, error, {
        targetUserId: others[0]?.id,
        detail: { check: 'start', others: others.length },
      });
      throw error;
    }
    const team = vouchedBy(actor, others, []);
    const opened = await onceMoreOnConflict(() =>
      this.d.store.transaction(async (tx) => {
        const opened = await this.openIn(tx, [actor.userId, ...otherIds], appointmentId, actor);
        if (opened.created && opened.conversation.kind === 'group' && team.size > 0) {
          await tx.care.putCareTeamMembers(
            [...team].map(([userId, by]) => ({
              conversationId: opened.conversation.id,
              userId,
              addedBy: by,
              addedAt: opened.conversation.createdAt,
            })),
          );
        }
        return opened;
      }),
    );
    if (opened.created) await this.announce(opened.conversation.id, opened.userIds);
    return { conversation: await this.get(actor, opened.conversation.id), created: opened.created };
  }

  /**
   * A conversation the system decides on rather than a user asking for it (demo data): no policy
   * check and no actor. Two people: find-or-create their 1:1.
   */
  async openAsSystem(
    userIds: readonly string[],
    appointmentId: string | null,
  ): Promise<{ conversation: ConversationRecord; created: boolean }> {
    const opened = await onceMoreOnConflict(() =>
      this.d.store.transaction((tx) => this.openIn(tx, userIds, appointmentId)),
    );
    if (opened.created) await this.announce(opened.conversation.id, opened.userIds);
    return { conversation: opened.conversation, created: opened.created };
  }

  /**
   * Find-or-create inside the caller's transaction: the conversation, its participants and (for a
   * person's request) its audit row commit with whatever else the transaction writes (accepting an
   * appointment opens its chat). Announces nothing: the caller announces a created one after the
   * commit. A 1:1 that another transaction created meanwhile fails this one with
   * StoreConflictError (see onceMoreOnConflict).
   */
  async openIn(
    tx: StoreTransaction,
    userIds: readonly string[],
    appointmentId: string | null,
    actor?: Actor,
  ): Promise<OpenedConversation> {
    const [createdBy, ...otherIds] = [...new Set(userIds)];
    if (createdBy === undefined || otherIds.length === 0) throw new CoreError('invalid_request');
    const directKey = otherIds.length === 1 ? directKeyOf([createdBy, ...otherIds]) : null;
    if (directKey) {
      const existing = await tx.conversations.findConversationByDirectKey(directKey);
      if (existing) return { conversation: existing, created: false, userIds: [] };
    }
    const now = this.d.clock.now().toISOString();
    const record = newConversation({
      id: newId('cnv'),
      kind: directKey ? 'direct' : 'group',
      directKey,
      appointmentId,
      createdBy,
      createdAt: now,
    });
    const participants = [createdBy, ...otherIds].map((userId) => newParticipant(record.id, userId, now));
    await tx.conversations.insertConversation(record, participants);
    if (actor) {
      await tx.appendAudit([
        this.d.audit.entry(actor, 'conversation.created', {
          conversationId: record.id,
          detail: { participants: participants.length },
        }),
      ]);
    }
    return { conversation: record, created: true, userIds: [createdBy, ...otherIds] };
  }

  async get(actor: Actor, conversationId: string, audited = true): Promise<Conversation> {
    const { conversation, self } = await accessConversation(this.d.store, actor, conversationId);
    const [wire] = await this.render(actor, [{ conversation, self }], audited);
    if (!wire) throw new CoreError('not_participant');
    return wire;
  }

  /** Mute or pin a conversation for the actor only. */
  async updateSettings(
    actor: Actor,
    conversationId: string,
    settings: { muted?: boolean | undefined; pinned?: boolean | undefined },
  ): Promise<Conversation> {
    await accessConversation(this.d.store, actor, conversationId);
    await this.d.store.updateParticipantSettings(conversationId, actor.userId, settings);
    return this.get(actor, conversationId);
  }

  /** The actor's conversations: pinned first, then newest activity first. */
  async list(actor: Actor): Promise<Conversation[]> {
    return this.render(actor, await this.d.store.listConversationsOfUser(actor.userId));
  }

  /**
   * Tells every participant's devices about a new conversation, so the other side sees it at once
   * without joining anything. Each participant gets it rendered for them (unread counts differ).
   */
  async announce(conversationId: string, userIds: readonly string[]): Promise<void> {
    for (const userId of userIds) {
      const user = await this.d.users.get(userId);
      if (!user) continue;
      const viewer: Actor = { userId, role: user.role, sessionId: '' };
      // Pushed to them, not read by anyone yet: the read is audited when a session lists it.
      const conversation = await this.get(viewer, conversationId, false);
      await this.d.bus.publish(domainEvent('conversation.created', [userId], { conversation }));
    }
  }

  /**
   * Tells the participants of every conversation the two users share whether it can be written
   * now, after something that can change it (an appointment's move, a block). Read-only by the
   * clock alone needs no event: `open_until` already says when.
   */
  async announceStates(userId: string, otherId: string): Promise<void> {
    const shared = (await this.d.store.listConversationsOfUser(userId)).map((r) => r.conversation);
    const participants = await this.d.store.listParticipants(shared.map((c) => c.id));
    for (const conversation of shared) {
      const members = participants.filter((p) => p.conversationId === conversation.id);
      if (!members.some((p) => p.userId === otherId)) continue;
      const hold = await this.d.policy.relationship(conversation, members);
      await this.d.bus.publish(
        domainEvent('conversation.state_changed', userIdsOf(members), {
          conversationId: conversation.id,
          state: hold.code === null ? 'open' : 'read_only',
          readOnlyReason: hold.code,
          openUntil: hold.code === null ? hold.openUntil : null,
        }),
      );
    }
  }

  private async render(
    actor: Actor,
    rows: ReadonlyArray<{ conversation: ConversationRecord; self: ParticipantRecord }>,
    audited = true,
  ): Promise<Conversation[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.conversation.id);
    const [participants, lastMessages, unread, practices] = await Promise.all([
      this.d.store.listParticipants(ids),
      this.d.store.lastMessages(ids),
      // The store counts the isUnread rule of @carechat/protocol in SQL.
      this.d.store.countUnread(actor.userId, ids),
      this.practicesOf(ids),
    ]);
    const holds = new Map<string, Hold>();
    for (const { conversation } of rows) {
      const members = participants.filter((p) => p.conversationId === conversation.id);
      holds.set(conversation.id, await this.d.policy.relationship(conversation, members));
    }
    const userIds = [...new Set(participants.map((p) => p.userId))];
    const [users, presence] = await Promise.all([
      this.d.users.getMany(userIds),
      this.d.presence.status(userIds),
    ]);
    const usersById = new Map<string, UserRecord>(users.map((u) => [u.id, u]));
    const lastById = new Map(lastMessages.map((m) => [m.conversationId, m]));
    // A last-message preview shows content: audited like a history read (ids and a count).
    if (audited) {
      for (const m of lastMessages) {
        if (m.deletedAt !== null) continue;
        this.d.audit.record(actor, 'conversation.history_read', {
          conversationId: m.conversationId,
          detail: { count: 1, preview: true },
        });
      }
    }
    return rows.map(({ conversation, self }) =>
      withPractice(
        practices.get(conversation.id),
        toWireConversation({
          viewer: actor,
          conversation,
          self,
          participants: participants.filter((p) => p.conversationId === conversation.id),
          users: usersById,
          presence,
          lastMessage: lastById.get(conversation.id),
          unreadCount: unread.get(conversation.id) ?? 0,
          readOnlyReason: holds.get(conversation.id)?.code ?? null,
          openUntil: holds.get(conversation.id)?.openUntil ?? null,
        }),
      ),
    );
  }

  /** The practice taking part in each of these conversations, if any. */
  private async practicesOf(
    ids: readonly string[],
  ): Promise<Map<string, NonNullable<Conversation['practice']>>> {
    const found = new Map<string, NonNullable<Conversation['practice']>>();
    const practices = this.d.practices;
    if (!practices) return found;
    for (const record of await practices.listPracticeConversationsIn(ids)) {
      const practice = await practices.findPractice(record.practiceId);
      if (practice)
        found.set(record.conversationId, {
          id: practice.id,
          name: practice.name,
          patient_id: record.patientId,
        });
    }
    return found;
  }
}

function withPractice(practice: Conversation['practice'], conversation: Conversation): Conversation {
  return practice ? { ...conversation, practice } : conversation;
}

/** The unique key of a 1:1 conversation: both user ids, sorted. */
export function directKeyOf(userIds: readonly string[]): string {
  return [...userIds].sort().join(':');
}
