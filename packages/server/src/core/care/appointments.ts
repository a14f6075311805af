import type { Appointment, AppointmentStatus, CreateAppointmentBody } from '@carechat/protocol';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit.js';
import { type ConversationService, type OpenedConversation, onceMoreOnConflict } from '../conversations.js';
import { CoreError } from '../errors.js';
import { domainEvent } from '../events.js';
import { newId } from '../ids.js';
import type { Bus } from '../ports/bus.js';
import type { AppointmentRecord, CareStore, ConsultationRecord } from '../ports/care-store.js';
import type { Clock } from '../ports/clock.js';
import type { Store, StoreTransaction } from '../ports/store.js';
import type { SharedQuota } from '../shared-quota.js';
import { isReachable, type UserDirectory } from '../users.js';
import { toWireAppointment } from './care-wire.js';
import { isLinking } from './parties.js';

export interface AppointmentDeps {
  store: Store;
  care: CareStore;
  bus: Bus;
  clock: Clock;
  users: UserDirectory;
  conversations: ConversationService;
  audit: AuditLog;
  /** How long a consultation stays open after its appointment ends. */
  consultationWindowMs: number;
  /** Appointment requests per patient. */
  requestLimit?: SharedQuota;
}

type Transition = 'accept' | 'decline' | 'cancel' | 'complete' | 'end';

/** Who may make each move, and from which statuses. */
const MOVES: Record<
  Transition,
  { by: 'practitioner' | 'either'; from: AppointmentStatus[]; to: AppointmentStatus }
> = {
  accept: { by: 'practitioner', from: ['requested'], to: 'accepted' },
  decline: { by: 'practitioner', from: ['requested'], to: 'declined' },
  cancel: { by: 'either', from: ['requested', 'accepted'], to: 'cancelled' },
  // The visit happened: the consultation stays open until its window after the end.
  complete: { by: 'practitioner', from: ['accepted'], to: 'completed' },
  // Either side ends the relationship early (see end()): before the visit that is a cancellation.
  end: { by: 'either', from: ['requested', 'accepted', 'completed'], to: 'cancelled' },
};

/**
 * The appointment lifecycle: requested → accepted | declined, cancelled, completed. Accepting
 * opens the consultation (and its conversation); cancelling or declining closes it.
 */
export class AppointmentService {
  constructor(private readonly d: AppointmentDeps) {}

  /** How long a relationship holds after an appointment ends (CONSULTATION_WINDOW_HOURS). */
  get consultationWindowMs(): number {
    return this.d.consultationWindowMs;
  }

  /** A patient asks a practitioner for an appointment. */
  async request(actor: Actor, input: CreateAppointmentBody): Promise<Appointment> {
    if (actor.role !== 'patient') throw new CoreError('forbidden', 'Only patients request appointments.');
    await this.d.requestLimit?.take(actor.userId);
    const practitioner = await this.d.users.get(input.practitioner_id);
    if (practitioner?.role !== 'practitioner' || !isReachable(practitioner))
      throw new CoreError('not_found', 'No such practitioner.');
    const startsAt = new Date(input.starts_at).toISOString();
    const endsAt = new Date(input.ends_at).toISOString();
    const now = this.d.clock.now().toISOString();
    if (endsAt <= now) throw new CoreError('invalid_request', 'The appointment would be over already.');
    const record: AppointmentRecord = {
      id: newId('apt'),
      externalId: null,
      patientId: actor.userId,
      practitionerId: practitioner.id,
      status: 'requested',
      startsAt,
      endsAt,
      createdAt: now,
      updatedAt: now,
    };
    await this.d.care.insertAppointment(record);
    return this.announce(record, actor);
  }

  async move(actor: Actor, appointmentId: string, transition: Transition): Promise<Appointment> {
    const appointment = await this.findVisible(actor, appointmentId);
    const move = MOVES[transition];
    const allowed =
      actor.role === 'admin' ||
      (move.by === 'practitioner' ? actor.userId === appointment.practitionerId : true);
    if (!allowed) throw new CoreError('forbidden', `Only the practitioner may ${transition} an appointment.`);
    if (transition === 'end') return this.end(actor, appointment);
    if (transition === 'complete' && this.d.clock.now().toISOString() < appointment.startsAt) {
      throw new CoreError('conflict', 'An appointment can be completed only after it starts.');
    }
    // Repeating a move that already happened is answered with the current state (retries are safe).
    if (appointment.status === move.to) return this.render(appointment, actor);
    const at = this.d.clock.now().toISOString();
    const { appointment: updated } = await this.commit(async (tx) => {
      if (!(await tx.care.transitionAppointment(appointment.id, move.from, move.to, at))) {
        throw new CoreError('conflict', `A ${appointment.status} appointment cannot be ${move.to}.`);
      }
      return { ...appointment, status: move.to, updatedAt: at };
    });
    return this.announce(updated, actor);
  }

  /**
   * Either side ends the appointment's hold on the relationship now: its consultation becomes
   * inactive and, past the visit, the conversation read-only at once instead of at the end of its
   * window. An appointment that has not started yet is cancelled as well. Ending twice answers
   * with the current state.
   */
  private async end(actor: Actor, appointment: AppointmentRecord): Promise<Appointment> {
    if (appointment.endedAt) return this.render(appointment, actor);
    const { from } = MOVES.end;
    if (!from.includes(appointment.status)) {
      throw new CoreError('conflict', `A ${appointment.status} appointment cannot be ended.`);
    }
    const at = this.d.clock.now().toISOString();
    const status =
      at < appointment.startsAt && appointment.status !== 'completed' ? 'cancelled' : appointment.status;
    const { appointment: updated } = await this.commit(async (tx) => {
      if (
        status !== appointment.status &&
        !(await tx.care.transitionAppointment(appointment.id, [appointment.status], status, at))
      ) {
        throw new CoreError('conflict', 'The appointment changed meanwhile; retry.');
      }
      await tx.care.endAppointment(appointment.id, at);
      await tx.appendAudit([
        this.d.audit.entry(actor, 'appointment.ended', {
          targetUserId:
            actor.userId === appointment.patientId ? appointment.practitionerId : appointment.patientId,
        }),
      ]);
      return { ...appointment, status, endedAt: at, updatedAt: at };
    });
    return this.announce(updated, actor);
  }

  /**
   * One change of an appointment as one transaction: `change` writes the appointment, and its
   * consultation (with its conversation, when that is new) follows in the same transaction. The
   * new conversation is announced after the commit; the caller announces the appointment.
   */
  async commit(
    change: (tx: StoreTransaction) => Promise<AppointmentRecord>,
  ): Promise<{ appointment: AppointmentRecord; consultation: ConsultationRecord | undefined }> {
    const { appointment, consultation, opened } = await onceMoreOnConflict(() =>
      this.d.store.transaction(async (tx) => {
        const appointment = await change(tx);
        return { appointment, ...(await this.syncIn(tx, appointment)) };
      }),
    );
    if (opened?.created) await this.d.conversations.announce(opened.conversation.id, opened.userIds);
    return { appointment, consultation };
  }

  /** The actor's appointments, either side, soonest first. */
  async list(actor: Actor, status?: AppointmentStatus): Promise<Appointment[]> {
    const records = await this.d.care.listAppointmentsOf(actor.userId, status);
    return this.renderMany(records, actor);
  }

  /**
   * Makes the consultation follow its appointment: open while accepted or completed (until the
   * window after the end), closed otherwise. Idempotent, so every status change can call it.
   */
  async syncConsultation(appointment: AppointmentRecord): Promise<ConsultationRecord | undefined> {
    return (await this.commit(async () => appointment)).consultation;
  }

  /** syncConsultation inside a transaction; the conversation it opened is announced by the caller. */
  private async syncIn(
    tx: StoreTransaction,
    appointment: AppointmentRecord,
  ): Promise<{ consultation: ConsultationRecord | undefined; opened?: OpenedConversation }> {
    const [existing] = await tx.care.findConsultationsByAppointments([appointment.id]);
    const expiresAt = new Date(Date.parse(appointment.endsAt) + this.d.consultationWindowMs).toISOString();
    if (!isLinking(appointment) || appointment.endedAt) {
      if (existing?.isActive) await tx.care.updateConsultation(appointment.id, { isActive: false });
      return { consultation: existing && { ...existing, isActive: false } };
    }
    const opened = await this.d.conversations.openIn(
      tx,
      [appointment.practitionerId, appointment.patientId],
      appointment.id,
    );
    if (existing) {
      const fields = {
        isActive: true,
        expiresAt,
        conversationId: existing.conversationId ?? opened.conversation.id,
      };
      await tx.care.updateConsultation(appointment.id, fields);
      return { consultation: { ...existing, ...fields }, opened };
    }
    const consultation = await tx.care.insertConsultation({
      id: newId('cns'),
      appointmentId: appointment.id,
      patientId: appointment.patientId,
      practitionerId: appointment.practitionerId,
      conversationId: opened.conversation.id,
      isActive: true,
      expiresAt,
      createdAt: this.d.clock.now().toISOString(),
    });
    return { consultation, opened };
  }

  /** Tells both parties' devices, each rendered for them, and returns the actor's rendering. */
  async announce(
    appointment: AppointmentRecord,
    actor?: Pick<Actor, 'userId' | 'role'>,
  ): Promise<Appointment> {
    let mine: Appointment | undefined;
    for (const userId of [appointment.patientId, appointment.practitionerId]) {
      const user = await this.d.users.get(userId);
      if (!user) continue;
      const wire = await this.render(appointment, { userId, role: user.role });
      if (userId === actor?.userId) mine = wire;
      await this.d.bus.publish(domainEvent('appointment.updated', [userId], { appointment: wire }));
    }
    // The relationship may have begun, ended or been renewed: the shared conversations say so.
    await this.d.conversations.announceStates(appointment.patientId, appointment.practitionerId);
    return mine ?? this.render(appointment, actor ?? { userId: '', role: 'admin' });
  }

  async render(appointment: AppointmentRecord, viewer: Pick<Actor, 'userId' | 'role'>): Promise<Appointment> {
    const [wire] = await this.renderMany([appointment], viewer);
    return wire!;
  }

  async renderMany(
    records: readonly AppointmentRecord[],
    viewer: Pick<Actor, 'userId' | 'role'>,
  ): Promise<Appointment[]> {
    const userIds = records.flatMap((a) => [a.patientId, a.practitionerId]);
    const [users, consultations] = await Promise.all([
      this.d.users.getMany(userIds),
      this.d.care.findConsultationsByAppointments(records.map((a) => a.id)),
    ]);
    const usersById = new Map(users.map((u) => [u.id, u]));
    const byAppointment = new Map(consultations.map((c) => [c.appointmentId, c]));
    return records.map((a) => toWireAppointment(a, viewer, usersById, byAppointment.get(a.id)));
  }

  /** An appointment the actor is a party to (admins see all). Others get not_found, not forbidden. */
  private async findVisible(actor: Actor, appointmentId: string): Promise<AppointmentRecord> {
    const appointment = await this.d.care.findAppointment(appointmentId);
    const party = appointment?.patientId === actor.userId || appointment?.practitionerId === actor.userId;
    if (!appointment || !(party || actor.role === 'admin'))
      throw new CoreError('not_found', 'No such appointment.');
    return appointment;
  }
}
