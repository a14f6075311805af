import type { Conversation, InboxFilter, InboxItem } from '@carechat/protocol';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit.js';
import { newConversation, newParticipant } from '../conversation-rows.js';
import { type ConversationService, onceMoreOnConflict } from '../conversations.js';
import { CoreError } from '../errors.js';
import { domainEvent } from '../events.js';
import { newId } from '../ids.js';
import type { MessagingPolicy } from '../policy.js';
import type { Bus } from '../ports/bus.js';
import type { Clock } from '../ports/clock.js';
import type {
  PracticeConversationRecord,
  PracticeMemberRecord,
  PracticeReads,
} from '../ports/practice-store.js';
import type { Store } from '../ports/store.js';
import { recordPolicyRefusal } from '../refusals.js';
import { isReachable, toWireUser, type UserDirectory } from '../users.js';
import { accessPracticeAsMember, accessPracticeConversation } from './practice-access.js';
import { WAITING_LOOKBACK, waitingOf } from './waiting.js';

export interface TeamInboxDeps {
  store: Store;
  practices: PracticeReads;
  bus: Bus;
  clock: Clock;
  users: UserDirectory;
  audit: AuditLog;
  policy: MessagingPolicy;
  conversations: ConversationService;
}

/**
 * The team inbox: one conversation per practice and patient, whose participants are the patient
 * and every member; triage (who answers it, how long the patient has waited, filters). Who may
 * open one is the policy's answer (`teamHold`): the patient must be the team's patient, a
 * relationship of their own with one of its members. The inbox lists only the conversations whose
 * relationship holds (docs/decisions/1401).
 */
export class TeamInbox {
  constructor(private readonly d: TeamInboxDeps) {}

  /**
   * Find-or-create the practice's conversation with a patient: the patient opens their own, a
   * member names the patient.
   */
  async open(
    actor: Actor,
    practiceId: string,
    patientIdOfStaff: string | undefined,
  ): Promise<{ conversation: Conversation; created: boolean }> {
    const { patientId, members } = await this.openerOf(actor, practiceId, patientIdOfStaff);
    const existing = await this.d.practices.findPracticeConversationOf(practiceId, patientId);
    if (existing)
      return { conversation: await this.d.conversations.get(actor, existing.conversationId), created: false };

    const hold = await this.d.policy.teamHold(
      patientId,
      members.map((m) => m.userId),
    );
    if (hold.code !== null) {
      const error = new CoreError(hold.code);
      recordPolicyRefusal(this.d.audit, actor, error, { detail: { check: 'open_practice_conversation' } });
      throw error;
    }
    const opened = await onceMoreOnConflict(() =>
      this.d.store.transaction(async (tx) => {
        const found = await tx.practices.findPracticeConversationOf(practiceId, patientId);
        if (found) return { conversationId: found.conversationId, userIds: [] as string[] };
        const now = this.d.clock.now().toISOString();
        const record = newConversation({
          id: newId('cnv'),
          kind: 'group',
          directKey: null,
          appointmentId: null,
          createdBy: actor.userId,
          createdAt: now,
        });
        const userIds = [patientId, ...members.map((m) => m.userId)];
        const participants = userIds.map((userId) => newParticipant(record.id, userId, now));
        await tx.conversations.insertConversation(record, participants);
        await tx.practices.insertPracticeConversation({
          conversationId: record.id,
          practiceId,
          patientId,
          assigneeId: null,
          assignedAt: null,
          createdAt: now,
        });
        await tx.appendAudit([
          this.d.audit.entry(actor, 'conversation.created', {
            conversationId: record.id,
            detail: { participants: participants.length, practice: true },
          }),
        ]);
        return { conversationId: record.id, userIds };
      }),
    );
    if (opened.userIds.length > 0) await this.d.conversations.announce(opened.conversationId, opened.userIds);
    return {
      conversation: await this.d.conversations.get(actor, opened.conversationId),
      created: opened.userIds.length > 0,
    };
  }

  /** The practice's conversations whose relationship holds, filtered, longest-waiting first. */
  async list(actor: Actor, practiceId: string, filter: InboxFilter): Promise<InboxItem[]> {
    await accessPracticeAsMember(this.d.practices, actor, practiceId);
    const items = await this.itemsOf(actor, await this.d.practices.listPracticeConversations(practiceId));
    return items.filter((item) => matches(item, filter, actor.userId)).sort(byUrgency);
  }

  /** Inbox rows of these practice conversations, leaving out those whose relationship ended. */
  private async itemsOf(actor: Actor, records: readonly PracticeConversationRecord[]): Promise<InboxItem[]> {
    const people = await this.d.users.getMany([
      ...new Set(records.flatMap((r) => (r.assigneeId ? [r.patientId, r.assigneeId] : [r.patientId]))),
    ]);
    const byId = new Map(people.map((u) => [u.id, u]));
    const items: InboxItem[] = [];
    for (const record of records) {
      const conversation = await this.d.conversations.get(actor, record.conversationId);
      if (conversation.read_only_reason !== null) continue;
      const patient = byId.get(record.patientId);
      if (!patient) continue;
      const recent = await this.d.store.listMessagesBefore(
        record.conversationId,
        conversation.last_seq + 1,
        WAITING_LOOKBACK,
      );
      const waiting = waitingOf(
        [...recent].sort((a, b) => a.seq - b.seq),
        record.patientId,
      );
      const assignee = record.assigneeId ? byId.get(record.assigneeId) : undefined;
      items.push({
        practice_id: record.practiceId,
        conversation,
        patient: toWireUser(patient, actor),
        assignee: assignee ? toWireUser(assignee, actor) : null,
        needs_reply: waiting.needsReply,
        waiting_since: waiting.waitingSince,
      });
    }
    return items;
  }

  /** Assigns a conversation to a member (or to no one); every member's inbox hears it live. */
  async assign(
    actor: Actor,
    practiceId: string,
    conversationId: string,
    assigneeId: string | null,
  ): Promise<InboxItem> {
    const { members } = await accessPracticeConversation(this.d.practices, actor, practiceId, conversationId);
    if (assigneeId !== null && !members.some((m) => m.userId === assigneeId)) {
      throw new CoreError('invalid_request', 'The assignee must be a member of the practice.');
    }
    const now = this.d.clock.now().toISOString();
    await this.d.store.transaction(async (tx) => {
      await tx.practices.setAssignee(conversationId, assigneeId, assigneeId === null ? null : now);
      await tx.appendAudit([
        this.d.audit.entry(actor, 'practice.assigned', {
          conversationId,
          ...(assigneeId === null ? {} : { targetUserId: assigneeId }),
        }),
      ]);
    });
    await this.d.bus.publish(
      domainEvent(
        'triage.changed',
        members.map((m) => m.userId),
        { conversationId, practiceId, assigneeId },
      ),
    );
    const record = await this.d.practices.findPracticeConversation(conversationId);
    const [item] = record ? await this.itemsOf(actor, [record]) : [];
    if (!item) throw new CoreError('not_participant');
    return item;
  }

  /** Who the conversation is with: the patient themself, or the patient a member names. */
  private async openerOf(
    actor: Actor,
    practiceId: string,
    patientIdOfStaff: string | undefined,
  ): Promise<{ patientId: string; members: PracticeMemberRecord[] }> {
    if (actor.role === 'patient') {
      const practice = await this.d.practices.findPractice(practiceId);
      if (!practice) throw new CoreError('not_found', 'No such practice.');
      return { patientId: actor.userId, members: await this.d.practices.listMembers([practiceId]) };
    }
    const { members } = await accessPracticeAsMember(this.d.practices, actor, practiceId);
    if (patientIdOfStaff === undefined) throw new CoreError('invalid_request', 'patient_id is required.');
    const patient = await this.d.users.get(patientIdOfStaff);
    if (!patient || !isReachable(patient) || patient.role !== 'patient') {
      throw new CoreError('not_found', 'No such patient.');
    }
    return { patientId: patient.id, members };
  }
}

function matches(item: InboxItem, filter: InboxFilter, viewerId: string): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'needs_reply':
      return item.needs_reply;
    case 'unread':
      return item.conversation.unread_count > 0;
    case 'assigned_to_me':
      return item.assignee?.id === viewerId;
    case 'unassigned':
      return item.assignee === null;
  }
}

/** Patients waiting longest first, then the rest by latest activity. */
function byUrgency(a: InboxItem, b: InboxItem): number {
  if (a.waiting_since && b.waiting_since) return a.waiting_since.localeCompare(b.waiting_since);
  if (a.waiting_since) return -1;
  if (b.waiting_since) return 1;
  return b.conversation.last_activity_at.localeCompare(a.conversation.last_activity_at);
}
