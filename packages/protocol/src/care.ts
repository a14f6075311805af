import { z } from 'zod';
import { ROLES, type User } from './models.js';
import { text } from './text.js';

/**
 * Care relationships on the wire: appointments, consultations, practitioner schedules, the
 * dashboards' contacts, user search and the server API that host platforms use to feed them.
 */

const id = text().min(1).max(64);

export const APPOINTMENT_STATUSES = ['requested', 'accepted', 'declined', 'cancelled', 'completed'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** A chat window tied to an accepted appointment. */
export interface Consultation {
  id: string;
  appointment_id: string;
  /** The conversation the consultation's messages go to. */
  conversation_id: string | null;
  patient_id: string;
  practitioner_id: string;
  is_active: boolean;
  expires_at: string;
  created_at: string;
}

export interface Appointment {
  id: string;
  patient_id: string;
  practitioner_id: string;
  patient: User;
  practitioner: User;
  status: AppointmentStatus;
  starts_at: string;
  ends_at: string;
  /** Opened when the appointment is accepted; null before. */
  consultation: Consultation | null;
  /** When either side ended its hold on the relationship early (`POST /api/appointments/:id/end`), else null. */
  ended_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A practitioner a patient has blocked (`GET /api/blocks`). */
export interface Block {
  user_id: string;
  created_at: string;
}

/** One weekly window: `start` to `end` ("HH:MM", end exclusive, "24:00" allowed) in `timezone` (IANA). */
export interface ScheduleWindow {
  day_of_week: number;
  start: string;
  end: string;
  timezone: string;
}

export interface Schedule {
  practitioner_id: string;
  windows: ScheduleWindow[];
}

/** One row of a dashboard: someone the caller has a care relationship with. */
export interface Contact {
  user: User;
  /** The 1:1 conversation with them, if one exists. */
  conversation_id: string | null;
  unread_count: number;
  /** The next accepted appointment that has not ended yet. */
  next_appointment: Appointment | null;
}

export const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const HH_MM_OR_24 = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** An instant with an explicit offset (`Z` or `+02:00`); the server stores it in UTC. */
const instant = z.iso.datetime({ offset: true });

export const scheduleWindowSchema = z
  .object({
    day_of_week: z.number().int().min(0).max(6),
    start: text().regex(HH_MM, 'must be HH:MM'),
    end: text().regex(HH_MM_OR_24, 'must be HH:MM (or 24:00)'),
    timezone: text().min(1).max(64).refine(isTimeZone, 'must be an IANA time zone'),
  })
  .refine((w) => w.start < w.end, { message: 'start must be before end', path: ['end'] });

export const putScheduleBodySchema = z.object({ windows: z.array(scheduleWindowSchema).max(100) });
export type PutScheduleBody = z.infer<typeof putScheduleBodySchema>;

export const createAppointmentBodySchema = z
  .object({ practitioner_id: id, starts_at: instant, ends_at: instant })
  .refine((a) => Date.parse(a.starts_at) < Date.parse(a.ends_at), {
    message: 'starts_at must be before ends_at',
    path: ['ends_at'],
  });
export type CreateAppointmentBody = z.infer<typeof createAppointmentBodySchema>;

export const listAppointmentsQuerySchema = z.object({ status: z.enum(APPOINTMENT_STATUSES).optional() });

export const userSearchQuerySchema = z.object({
  query: text().trim().min(1).max(100),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

export const addParticipantsBodySchema = z.object({ user_ids: z.array(id).min(1).max(50) });

// The server API (host platforms, `Authorization: Bearer <SERVER_API_KEY>`).

/** The host platform's own id for a user or an appointment. */
export const externalIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'may hold letters, digits and . _ : @ -');

export const serverUserBodySchema = z.object({
  name: text().trim().min(1).max(100),
  role: z.enum(ROLES),
  /** Optional: users fed by a host platform need no carechat password or email. */
  email: z.email().max(254).optional(),
});
export type ServerUserBody = z.infer<typeof serverUserBodySchema>;

export const serverAppointmentBodySchema = z
  .object({
    patient_external_id: externalIdSchema,
    practitioner_external_id: externalIdSchema,
    starts_at: instant,
    ends_at: instant,
    status: z.enum(APPOINTMENT_STATUSES),
  })
  .refine((a) => Date.parse(a.starts_at) < Date.parse(a.ends_at), {
    message: 'starts_at must be before ends_at',
    path: ['ends_at'],
  });
export type ServerAppointmentBody = z.infer<typeof serverAppointmentBodySchema>;

// Response shapes.
export interface AppointmentResponse {
  appointment: Appointment;
}
export interface AppointmentListResponse {
  appointments: Appointment[];
}
export interface ScheduleResponse {
  schedule: Schedule;
}
export interface ContactsResponse {
  contacts: Contact[];
}
export interface UserSearchResponse {
  users: User[];
}
export interface ServerUserResponse {
  user: User;
  external_id: string;
  created: boolean;
}
/** `POST /api/server/users/:externalId/sign-in-links`: open `url` in the user's browser, once, before `expires_at`. */
export interface ServerSignInLinkResponse {
  url: string;
  expires_at: string;
}

export interface ServerTokenResponse {
  user: User;
  access_token: string;
  refresh_token: string;
  expires_in: number;
  /**
   * The session's CSRF token: a host that sets the session cookie (`carechat_session` = the refresh
   * token) for its pages also sets `carechat_csrf` to this, for their cookie-authenticated POSTs.
   */
  csrf_token: string;
}
