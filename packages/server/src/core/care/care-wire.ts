import type { Appointment, Consultation, Schedule } from '@carechat/protocol';
import type { Actor } from '../actor.js';
import type { AppointmentRecord, ConsultationRecord, ScheduleWindowRecord } from '../ports/care-store.js';
import type { UserRecord } from '../ports/store.js';
import { toWireUser } from '../users.js';

/** Care records to wire shapes. */

export function toWireConsultation(c: ConsultationRecord): Consultation {
  return {
    id: c.id,
    appointment_id: c.appointmentId,
    conversation_id: c.conversationId,
    patient_id: c.patientId,
    practitioner_id: c.practitionerId,
    is_active: c.isActive,
    expires_at: c.expiresAt,
    created_at: c.createdAt,
  };
}

export function toWireAppointment(
  a: AppointmentRecord,
  viewer: Pick<Actor, 'userId' | 'role'>,
  users: ReadonlyMap<string, UserRecord>,
  consultation: ConsultationRecord | undefined,
): Appointment {
  const user = (id: string) => {
    const record = users.get(id);
    return record ? toWireUser(record, viewer) : { id, name: '', role: 'patient' as const };
  };
  return {
    id: a.id,
    patient_id: a.patientId,
    practitioner_id: a.practitionerId,
    patient: user(a.patientId),
    practitioner: user(a.practitionerId),
    status: a.status,
    starts_at: a.startsAt,
    ends_at: a.endsAt,
    consultation: consultation ? toWireConsultation(consultation) : null,
    ended_at: a.endedAt ?? null,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}

export function toWireSchedule(practitionerId: string, windows: readonly ScheduleWindowRecord[]): Schedule {
  return {
    practitioner_id: practitionerId,
    windows: windows.map((w) => ({
      day_of_week: w.dayOfWeek,
      start: w.start,
      end: w.end,
      timezone: w.timezone,
    })),
  };
}
