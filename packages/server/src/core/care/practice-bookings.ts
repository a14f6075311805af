import type { Appointment, BookForPatientBody } from '@carechat/protocol';
import type { Actor } from '../actor.js';
import type { AuditLog } from '../audit.js';
import { CoreError } from '../errors.js';
import { newId } from '../ids.js';
import type { AppointmentRecord, CareStore } from '../ports/care-store.js';
import type { Clock } from '../ports/clock.js';
import type { PracticeReads } from '../ports/practice-store.js';
import type { AppointmentService } from './appointments.js';
import { accessPracticeConversation } from './practice-access.js';

export interface PracticeBookingDeps {
  practices: PracticeReads;
  care: CareStore;
  clock: Clock;
  audit: AuditLog;
  appointments: AppointmentService;
}

/**
 * Booking and cancelling from beside the conversation: any member of the practice books a visit
 * for the conversation's patient with one of the members (accepted at once: the team arranged it
 * with the patient), or cancels one the patient has with a member. It goes through the appointment
 * lifecycle (consultation and conversation follow in the same transaction, both parties are told)
 * with its audit row (docs/decisions/1403).
 */
export class PracticeBookings {
  constructor(private readonly d: PracticeBookingDeps) {}

  async book(
    actor: Actor,
    practiceId: string,
    conversationId: string,
    input: BookForPatientBody,
  ): Promise<Appointment> {
    const { members, record } = await accessPracticeConversation(
      this.d.practices,
      actor,
      practiceId,
      conversationId,
    );
    if (!members.some((m) => m.userId === input.practitioner_id && m.role === 'practitioner')) {
      throw new CoreError('invalid_request', 'The visit must be with a practitioner of the practice.');
    }
    const now = this.d.clock.now().toISOString();
    const startsAt = new Date(input.starts_at).toISOString();
    const endsAt = new Date(input.ends_at).toISOString();
    if (endsAt <= now) throw new CoreError('invalid_request', 'The appointment would be over already.');
    const appointment: AppointmentRecord = {
      id: newId('apt'),
      externalId: null,
      patientId: record.patientId,
      practitionerId: input.practitioner_id,
      status: 'accepted',
      startsAt,
      endsAt,
      createdAt: now,
      updatedAt: now,
    };
    const { appointment: booked } = await this.d.appointments.commit(async (tx) => {
      await tx.care.insertAppointment(appointment);
      await tx.appendAudit([this.entry(actor, conversationId, record.patientId, 'booked')]);
      return appointment;
    });
    return this.d.appointments.announce(booked, actor);
  }

  async cancel(
    actor: Actor,
    practiceId: string,
    conversationId: string,
    appointmentId: string,
  ): Promise<Appointment> {
    const { members, record } = await accessPracticeConversation(
      this.d.practices,
      actor,
      practiceId,
      conversationId,
    );
    const appointment = await this.d.care.findAppointment(appointmentId);
    // Only the patient's appointments with the team; anything else is no appointment of theirs.
    if (
      !appointment ||
      appointment.patientId !== record.patientId ||
      !members.some((m) => m.userId === appointment.practitionerId)
    ) {
      throw new CoreError('not_found', 'No such appointment.');
    }
    if (appointment.status === 'cancelled') return this.d.appointments.render(appointment, actor);
    const at = this.d.clock.now().toISOString();
    const { appointment: cancelled } = await this.d.appointments.commit(async (tx) => {
      if (
        !(await tx.care.transitionAppointment(appointment.id, ['requested', 'accepted'], 'cancelled', at))
      ) {
        throw new CoreError('conflict', `A ${appointment.status} appointment cannot be cancelled.`);
      }
      await tx.appendAudit([this.entry(actor, conversationId, record.patientId, 'cancelled')]);
      return { ...appointment, status: 'cancelled', updatedAt: at };
    });
    return this.d.appointments.announce(cancelled, actor);
  }

  private entry(actor: Actor, conversationId: string, patientId: string, change: 'booked' | 'cancelled') {
    return this.d.audit.entry(actor, 'practice.appointment_changed', {
      conversationId,
      targetUserId: patientId,
      detail: { change },
    });
  }
}
