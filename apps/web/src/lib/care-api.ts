import type { CarechatClient } from '@carechat/client';
import type {
  Appointment,
  AppointmentListResponse,
  AppointmentResponse,
  Contact,
  ContactsResponse,
  Schedule,
  ScheduleResponse,
  ScheduleWindow,
  User,
  UserSearchResponse,
} from '@carechat/protocol';

/**
 * The care routes the dashboards use (appointments, schedules, contacts, user search), over the
 * SDK's authenticated HTTP (bearer token, refreshed when it expires).
 */
export class CareApi {
  constructor(private readonly client: CarechatClient) {}

  private async get<T>(path: string): Promise<T> {
    return (await this.client.api.request<T>('GET', path)).body;
  }

  async contacts(): Promise<Contact[]> {
    return (await this.get<ContactsResponse>('/api/contacts')).contacts;
  }

  async appointments(): Promise<Appointment[]> {
    return (await this.get<AppointmentListResponse>('/api/appointments')).appointments;
  }

  async requestAppointment(practitionerId: string, startsAt: Date, endsAt: Date): Promise<Appointment> {
    const body = {
      practitioner_id: practitionerId,
      starts_at: startsAt.toISOString(),
      ends_at: endsAt.toISOString(),
    };
    return (await this.client.api.request<AppointmentResponse>('POST', '/api/appointments', { body })).body
      .appointment;
  }

  async moveAppointment(
    id: string,
    transition: 'accept' | 'decline' | 'cancel' | 'complete',
  ): Promise<Appointment> {
    const path = `/api/appointments/${encodeURIComponent(id)}/${transition}`;
    return (await this.client.api.request<AppointmentResponse>('POST', path)).body.appointment;
  }

  /** Admins: practitioners waiting for approval, oldest first. */
  async pendingPractitioners(): Promise<User[]> {
    return (await this.get<{ practitioners: User[] }>('/api/admin/practitioners?status=pending'))
      .practitioners;
  }

  /** Admins: approve or reject a practitioner who signed up. */
  async decidePractitioner(id: string, decision: 'approve' | 'reject'): Promise<User> {
    const path = `/api/admin/practitioners/${encodeURIComponent(id)}/${decision}`;
    return (await this.client.api.request<{ user: User }>('POST', path)).body.user;
  }

  async schedule(practitionerId: string): Promise<Schedule> {
    return (
      await this.get<ScheduleResponse>(`/api/practitioners/${encodeURIComponent(practitionerId)}/schedule`)
    ).schedule;
  }

  async saveSchedule(practitionerId: string, windows: ScheduleWindow[]): Promise<Schedule> {
    const path = `/api/practitioners/${encodeURIComponent(practitionerId)}/schedule`;
    return (await this.client.api.request<ScheduleResponse>('PUT', path, { body: { windows } })).body
      .schedule;
  }

  async searchUsers(query: string): Promise<User[]> {
    return (await this.get<UserSearchResponse>(`/api/users?query=${encodeURIComponent(query)}&limit=10`))
      .users;
  }
}
