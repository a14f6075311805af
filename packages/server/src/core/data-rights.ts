import type { DataExport, UpdateMeBody, UserSettings } from '@carechat/protocol';
import type { Actor } from './actor.js';
import type { AuditLog } from './audit.js';
import type { ConversationService } from './conversations.js';
import { CoreError } from './errors.js';
import type { MessageViews } from './message-views.js';
import type { NotificationSettings } from './notification-settings.js';
import { verifyPassword } from './passwords.js';
import type { Clock } from './ports/clock.js';
import type { SecurityStore } from './ports/security-store.js';
import type { Store } from './ports/store.js';
import type { SessionGuard } from './sessions.js';
import { toWireUser, type UserDirectory } from './users.js';

export interface DataRightsDeps {
  store: Store;
  security: SecurityStore;
  clock: Clock;
  users: UserDirectory;
  conversations: ConversationService;
  views: MessageViews;
  notifications: NotificationSettings;
  guard: SessionGuard;
  audit: AuditLog;
}

const PAGE = 500;

/**
 * A person's rights over their data: their settings, a complete export of their conversations,
 * and deleting their account. Deletion erases who they were (name, email, password, sessions) but
 * keeps the messages they exchanged: those are also the other party's care record, which the
 * retention policy (RETENTION_DAYS) governs for everyone alike (docs/security.md, "Data rights").
 */
export class DataRightsService {
  constructor(private readonly d: DataRightsDeps) {}

  async settings(actor: Actor): Promise<UserSettings> {
    return { notification_previews: await this.d.notifications.get(actor.userId) };
  }

  async updateSettings(actor: Actor, body: UpdateMeBody): Promise<UserSettings> {
    if (body.notification_previews !== undefined) {
      await this.d.notifications.set(actor.userId, body.notification_previews);
      this.d.audit.record(actor, 'settings.changed', {
        targetUserId: actor.userId,
        detail: { notification_previews: body.notification_previews },
      });
    }
    return this.settings(actor);
  }

  /** Every conversation of the caller's with every message in it, rendered as they see it. */
  async export(actor: Actor): Promise<DataExport> {
    const user = await this.d.users.get(actor.userId);
    if (!user) throw new CoreError('unauthenticated');
    const conversations = await this.d.conversations.list(actor);
    const participants = await this.d.store.listParticipants(conversations.map((c) => c.id));
    const result: DataExport['conversations'] = [];
    let count = 0;
    for (const conversation of conversations) {
      const members = participants.filter((p) => p.conversationId === conversation.id);
      const messages = [];
      let after = 0;
      for (;;) {
        const page = await this.d.store.listMessagesAfter(conversation.id, after, PAGE);
        messages.push(...(await this.d.views.render(page, members, actor.userId)));
        if (page.length < PAGE) break;
        after = page[page.length - 1]!.seq;
      }
      count += messages.length;
      result.push({ conversation, messages });
    }
    await this.d.audit.recordNow(actor, 'data.exported', {
      targetUserId: actor.userId,
      detail: { conversations: conversations.length, messages: count },
    });
    return {
      exported_at: this.d.clock.now().toISOString(),
      user: toWireUser(user, actor),
      settings: await this.settings(actor),
      conversations: result,
    };
  }

  /** Deletes the caller's account after checking their password again. */
  async deleteAccount(actor: Actor, password: string): Promise<void> {
    const user = await this.d.store.findUserById(actor.userId);
    if (!user) throw new CoreError('unauthenticated');
    if (!user.passwordHash) {
      throw new CoreError('forbidden', 'This account is managed by your care platform; ask it to delete it.');
    }
    if (!(await verifyPassword(password, user.passwordHash))) throw new CoreError('invalid_credentials');
    await this.d.security.tombstoneUser(user.id, this.d.clock.now().toISOString());
    this.d.users.forget(user.id);
    await this.d.guard.revokeAll(user.id, 'account_deleted');
    await this.d.audit.recordNow(actor, 'account.deleted', { targetUserId: user.id });
  }
}
