import type { AccountStatus, User } from '@carechat/protocol';
import type { Actor } from './actor.js';
import type { AuditLog } from './audit.js';
import { CoreError } from './errors.js';
import { domainEvent } from './events.js';
import type { Bus } from './ports/bus.js';
import type { Store } from './ports/store.js';
import type { UserRecord } from './ports/user-store.js';
import type { SessionGuard } from './sessions.js';
import { statusOf, toWireUser, type UserDirectory } from './users.js';

export interface PractitionerApprovalDeps {
  store: Store;
  bus: Bus;
  users: UserDirectory;
  guard: SessionGuard;
  audit: AuditLog;
}

/**
 * Who is a practitioner: under `PRACTITIONER_SIGNUP=pending` a practitioner who signs up waits
 * until an admin approves the account (or rejects it). Until then nobody finds, books or messages
 * them (core/users.ts isReachable). A decision is one transaction with its audit row, and then
 * reaches every node at once (`user.access_changed`): caches drop the user, and a rejected
 * account's sessions end.
 */
export class PractitionerApprovals {
  constructor(private readonly d: PractitionerApprovalDeps) {}

  /** Practitioners with this status, oldest first (admins only). */
  async list(actor: Actor, status: AccountStatus): Promise<User[]> {
    requireAdmin(actor);
    const users = await this.d.store.listUsersByRoleAndStatus('practitioner', status);
    return users.map((u) => toWireUser(u, actor));
  }

  async approve(actor: Actor, userId: string): Promise<User> {
    return this.decide(actor, userId, 'active');
  }

  async reject(actor: Actor, userId: string): Promise<User> {
    const user = await this.decide(actor, userId, 'rejected');
    await this.d.guard.revokeAll(userId, 'access_changed');
    return user;
  }

  private async decide(actor: Actor, userId: string, to: 'active' | 'rejected'): Promise<User> {
    requireAdmin(actor);
    const user = await this.d.store.findUserById(userId);
    if (user?.role !== 'practitioner') throw new CoreError('not_found', 'No such practitioner.');
    const from = statusOf(user);
    // Deciding again what was decided is answered with the account as it is (retries are safe).
    if (from === to) return toWireUser(user, actor);
    if (from !== 'pending') throw new CoreError('conflict', `This account is ${from}, not pending.`);
    await this.d.store.transaction(async (tx) => {
      if (!(await tx.users.setUserStatus(userId, 'pending', to))) {
        throw new CoreError('conflict', 'Another administrator decided first.');
      }
      await tx.appendAudit([
        this.d.audit.entry(
          actor,
          to === 'active' ? 'admin.practitioner_approved' : 'admin.practitioner_rejected',
          { targetUserId: userId },
        ),
      ]);
    });
    const decided: UserRecord = { ...user, status: to };
    await announceAccessChange(this.d.bus, this.d.users, decided);
    return toWireUser(decided, actor);
  }
}

/** Tells every node that a user's role or status changed (caches, sessions, open connections). */
export async function announceAccessChange(
  bus: Bus,
  users: UserDirectory,
  user: Pick<UserRecord, 'id' | 'role' | 'status'>,
): Promise<void> {
  users.forget(user.id);
  await bus.publish(
    domainEvent('user.access_changed', [user.id], {
      userId: user.id,
      role: user.role,
      status: statusOf(user),
    }),
  );
}

function requireAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw new CoreError('forbidden', 'Only administrators may do this.');
}
