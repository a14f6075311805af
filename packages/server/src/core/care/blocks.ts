import type { Block } from '@carechat/protocol';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit.js';
import type { ConversationService } from '../conversations.js';
import { CoreError } from '../errors.js';
import type { CareStore } from '../ports/care-store.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import type { UserDirectory } from '../users.js';

export interface BlockDeps {
  store: Store;
  care: CareStore;
  clock: Clock;
  users: UserDirectory;
  audit: AuditLog;
  conversations: ConversationService;
}

/**
 * A patient blocks a practitioner: no new conversations with them and no messages in any
 * conversation they share, until unblocked. The refusal itself (`blocked`) is the policy's, so
 * every door says the same (AppointmentPolicy.verdict); this records and lifts blocks.
 */
export class BlockService {
  constructor(private readonly d: BlockDeps) {}

  async list(actor: Actor): Promise<Block[]> {
    return (await this.d.care.listBlocksBy([actor.userId])).map((b) => ({
      user_id: b.blockedId,
      created_at: b.createdAt,
    }));
  }

  async block(actor: Actor, userId: string): Promise<Block> {
    await this.checkTarget(actor, userId);
    const existing = (await this.d.care.listBlocksBy([actor.userId])).find((b) => b.blockedId === userId);
    if (existing) return { user_id: userId, created_at: existing.createdAt };
    const createdAt = this.d.clock.now().toISOString();
    await this.d.store.transaction(async (tx) => {
      await tx.care.putBlock({ patientId: actor.userId, blockedId: userId, createdAt });
      await tx.appendAudit([this.d.audit.entry(actor, 'block.added', { targetUserId: userId })]);
    });
    await this.d.conversations.announceStates(actor.userId, userId);
    return { user_id: userId, created_at: createdAt };
  }

  async unblock(actor: Actor, userId: string): Promise<void> {
    await this.checkTarget(actor, userId);
    const lifted = await this.d.store.transaction(async (tx) => {
      if (!(await tx.care.deleteBlock(actor.userId, userId))) return false;
      await tx.appendAudit([this.d.audit.entry(actor, 'block.removed', { targetUserId: userId })]);
      return true;
    });
    if (lifted) await this.d.conversations.announceStates(actor.userId, userId);
  }

  /** Patients block practitioners; anyone else, or anyone else blocked, is refused. */
  private async checkTarget(actor: Actor, userId: string): Promise<void> {
    if (actor.role !== 'patient') throw new CoreError('forbidden', 'Only patients block practitioners.');
    const target = await this.d.users.get(userId);
    if (target?.role !== 'practitioner') throw new CoreError('not_found', 'No such practitioner.');
  }
}
