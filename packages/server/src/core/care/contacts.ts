import type { Contact, User } from '@carechat/protocol';
import type { Actor } from '../actor.js';
import { directKeyOf } from '../conversations.js';
import type { MessagingPolicy } from '../policy.js';
import type { CareStore } from '../ports/care-store.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';
import { isReachable, toWireUser, type UserDirectory } from '../users.js';
import type { AppointmentService } from './appointments.js';
import { isLinking } from './parties.js';

export interface ContactDeps {
  store: Store;
  care: CareStore;
  clock: Clock;
  users: UserDirectory;
  policy: MessagingPolicy;
  appointments: AppointmentService;
}

/** The dashboards (who the caller cares for, or is cared for by) and user search. */
export class ContactService {
  constructor(private readonly d: ContactDeps) {}

  /**
   * A practitioner's patients, or a patient's practitioners: everyone an accepted (or completed)
   * appointment links them to, with their 1:1 conversation, its unread count and the next appointment.
   */
  async list(actor: Actor): Promise<Contact[]> {
    const appointments = (await this.d.care.listAppointmentsOf(actor.userId)).filter(isLinking);
    const counterpart = (a: { patientId: string; practitionerId: string }) =>
      a.patientId === actor.userId ? a.practitionerId : a.patientId;
    const ids = [...new Set(appointments.map(counterpart))];
    if (ids.length === 0) return [];
    const users = await this.d.users.getMany(ids);
    const conversations = new Map<string, string>();
    for (const id of ids) {
      const found = await this.d.store.findConversationByDirectKey(directKeyOf([actor.userId, id]));
      if (found && (await this.d.store.findParticipant(found.id, actor.userId)))
        conversations.set(id, found.id);
    }
    const unread = await this.d.store.countUnread(actor.userId, [...conversations.values()]);
    const now = this.d.clock.now().toISOString();
    const contacts: Contact[] = [];
    for (const user of users) {
      const conversationId = conversations.get(user.id) ?? null;
      const next = appointments
        .filter((a) => counterpart(a) === user.id && a.status === 'accepted' && a.endsAt > now)
        .sort((a, b) => a.startsAt.localeCompare(b.startsAt))[0];
      contacts.push({
        user: toWireUser(user, actor),
        conversation_id: conversationId,
        unread_count: conversationId === null ? 0 : (unread.get(conversationId) ?? 0),
        next_appointment: next ? await this.d.appointments.render(next, actor) : null,
      });
    }
    return contacts.sort(
      (a, b) => a.user.name.localeCompare(b.user.name) || a.user.id.localeCompare(b.user.id),
    );
  }

  /** Users matching `query` whom the policy lets the caller see; never the caller themself. */
  async search(actor: Actor, query: string, limit: number): Promise<User[]> {
    const visibility = await this.d.policy.visibility(actor);
    const scope = visibility.everyone
      ? { everyone: true as const, excludeUserId: actor.userId }
      : { ...visibility, excludeUserId: actor.userId };
    const users = await this.d.care.searchUsers(query, scope, limit);
    return users.filter(isReachable).map((u) => toWireUser(u, actor));
  }
}
