import type { CreatePracticeBody, Practice, PracticeRole, UpdatePracticeBody } from '@carechat/protocol';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit.js';
import { newParticipant } from '../conversation-rows.js';
import type { ConversationService } from '../conversations.js';
import { CoreError } from '../errors.js';
import { domainEvent } from '../events.js';
import { newId } from '../ids.js';
import type { MessagingPolicy } from '../policy.js';
import type { Bus } from '../ports/bus.js';
import type { Clock } from '../ports/clock.js';
import type { PracticeReads, PracticeRecord } from '../ports/practice-store.js';
import type { Store } from '../ports/store.js';
import { isReachable, type UserDirectory } from '../users.js';
import { accessPracticeAsAdmin, accessPracticeAsMember } from './practice-access.js';
import { toWirePractice } from './practice-wire.js';

export interface PracticeDeps {
  store: Store;
  practices: PracticeReads;
  bus: Bus;
  clock: Clock;
  users: UserDirectory;
  audit: AuditLog;
  conversations: ConversationService;
  policy: MessagingPolicy;
}

/**
 * Practices (care teams) as an admin manages them: a name, an away notice, members with a role.
 * A practice takes part in its patients' conversations through its members, so the member list
 * and those conversations' participants change together, in one transaction: a new member joins
 * every conversation of the practice (its history is readable, not news), a member who leaves
 * leaves them all and is no one's assignee any more (docs/decisions/1401).
 */
export class PracticeService {
  constructor(private readonly d: PracticeDeps) {}

  /** Admins see every practice; staff their own; patients those they are a patient of (they may write to). */
  async list(actor: Actor): Promise<Practice[]> {
    if (actor.role === 'admin') return this.render(actor, await this.d.practices.listPractices());
    if (actor.role === 'practitioner') return this.render(actor, await this.practicesOf(actor.userId));
    const all = await this.d.practices.listPractices();
    const members = await this.d.practices.listMembers(all.map((p) => p.id));
    const mine: PracticeRecord[] = [];
    for (const practice of all) {
      const memberIds = members.filter((m) => m.practiceId === practice.id).map((m) => m.userId);
      if ((await this.d.policy.teamHold(actor.userId, memberIds)).code === null) mine.push(practice);
    }
    return this.render(actor, mine);
  }

  async get(actor: Actor, practiceId: string): Promise<Practice> {
    const practice =
      actor.role === 'admin'
        ? await accessPracticeAsAdmin(this.d.practices, actor, practiceId)
        : (await accessPracticeAsMember(this.d.practices, actor, practiceId)).practice;
    const [wire] = await this.render(actor, [practice]);
    if (!wire) throw new CoreError('not_found', 'No such practice.');
    return wire;
  }

  async create(actor: Actor, input: CreatePracticeBody): Promise<Practice> {
    if (actor.role !== 'admin') throw new CoreError('forbidden', 'Only an administrator manages practices.');
    const practice: PracticeRecord = {
      id: newId('prc'),
      name: input.name,
      awayNotice: input.away_notice ?? null,
      createdAt: this.d.clock.now().toISOString(),
    };
    await this.d.store.transaction(async (tx) => {
      await tx.practices.insertPractice(practice);
      await tx.appendAudit([this.d.audit.entry(actor, 'practice.changed', { detail: { created: true } })]);
    });
    return this.get(actor, practice.id);
  }

  async update(actor: Actor, practiceId: string, input: UpdatePracticeBody): Promise<Practice> {
    await accessPracticeAsAdmin(this.d.practices, actor, practiceId);
    await this.d.store.transaction(async (tx) => {
      await tx.practices.updatePractice(practiceId, {
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.away_notice === undefined ? {} : { awayNotice: input.away_notice }),
      });
      await tx.appendAudit([this.d.audit.entry(actor, 'practice.changed', { detail: { created: false } })]);
    });
    return this.get(actor, practiceId);
  }

  /** Adds a member (or changes their role); they join every conversation of the practice. */
  async putMember(actor: Actor, practiceId: string, userId: string, role: PracticeRole): Promise<Practice> {
    await accessPracticeAsAdmin(this.d.practices, actor, practiceId);
    const user = await this.d.users.get(userId);
    // Members are staff: a patient is never one, and a practitioner waiting for approval is no one.
    if (!user || !isReachable(user) || user.role !== 'practitioner') {
      throw new CoreError('not_found', 'No such practitioner.');
    }
    const now = this.d.clock.now().toISOString();
    const joined = await this.d.store.transaction(async (tx) => {
      await tx.practices.putMember({ practiceId, userId, role, addedAt: now });
      const joined: string[] = [];
      for (const pc of await tx.practices.listPracticeConversations(practiceId)) {
        const conversation = await tx.conversations.findConversation(pc.conversationId);
        if (!conversation) continue;
        const row = newParticipant(conversation.id, userId, now, conversation.lastSeq);
        if ((await tx.conversations.addParticipants([row])).length > 0) joined.push(conversation.id);
      }
      await tx.appendAudit([
        this.d.audit.entry(actor, 'practice.member_changed', {
          targetUserId: userId,
          detail: { joined: true, conversations: joined.length },
        }),
      ]);
      return joined;
    });
    for (const conversationId of joined) {
      const everyone = (await this.d.store.listParticipants([conversationId])).map((p) => p.userId);
      await this.d.bus.publish(domainEvent('participant.joined', everyone, { conversationId, userId }));
      await this.d.conversations.announce(conversationId, [userId]);
    }
    return this.get(actor, practiceId);
  }

  /** Removes a member: they leave every conversation of the practice and are no one's assignee. */
  async removeMember(actor: Actor, practiceId: string, userId: string): Promise<void> {
    await accessPracticeAsAdmin(this.d.practices, actor, practiceId);
    const left = await this.d.store.transaction(async (tx) => {
      if (!(await tx.practices.deleteMember(practiceId, userId))) {
        throw new CoreError('not_found', 'Not a member.');
      }
      await tx.practices.unassignMember(practiceId, userId);
      const left: Array<{ conversationId: string; recipients: string[] }> = [];
      for (const pc of await tx.practices.listPracticeConversations(practiceId)) {
        const recipients = (await tx.conversations.listParticipants([pc.conversationId])).map(
          (p) => p.userId,
        );
        if (await tx.conversations.removeParticipant(pc.conversationId, userId)) {
          left.push({ conversationId: pc.conversationId, recipients });
        }
      }
      await tx.appendAudit([
        this.d.audit.entry(actor, 'practice.member_changed', {
          targetUserId: userId,
          detail: { joined: false, conversations: left.length },
        }),
      ]);
      return left;
    });
    for (const { conversationId, recipients } of left) {
      await this.d.bus.publish(domainEvent('participant.left', recipients, { conversationId, userId }));
    }
  }

  private async practicesOf(userId: string): Promise<PracticeRecord[]> {
    const memberships = await this.d.practices.listMembershipsOf(userId);
    const found = await Promise.all(memberships.map((m) => this.d.practices.findPractice(m.practiceId)));
    return found
      .filter((p): p is PracticeRecord => p !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private async render(actor: Actor, practices: readonly PracticeRecord[]): Promise<Practice[]> {
    const members = await this.d.practices.listMembers(practices.map((p) => p.id));
    const users = await this.d.users.getMany([...new Set(members.map((m) => m.userId))]);
    const byId = new Map(users.map((u) => [u.id, u]));
    return practices.map((p) =>
      toWirePractice(
        p,
        members.filter((m) => m.practiceId === p.id),
        byId,
        actor,
      ),
    );
  }
}
