import type { Appointment, ServerTokenResponse, ServerUserResponse } from '@carechat/protocol';
import { request } from '../../helpers/http.js';

/**
 * The host platform's server (the Django or Next.js site a seed's front-end belongs to), talking
 * to carechat's server API as docs/integration.md says: it pushes its users and appointments and
 * mints tokens for the user it has signed in.
 */
export class HostSite {
  constructor(
    private readonly carechatUrl: string,
    private readonly apiKey: string,
  ) {}

  private api<T>(method: string, path: string, body?: unknown) {
    return request<T>(this.carechatUrl, method, path, {
      token: this.apiKey,
      ...(body === undefined ? {} : { body }),
    });
  }

  async user(externalId: string, name: string, role: 'patient' | 'practitioner') {
    const res = await this.api<ServerUserResponse>('PUT', `/api/server/users/${externalId}`, { name, role });
    if (res.status !== 200 && res.status !== 201) throw new Error(`user push failed: ${res.status}`);
    return res.body.user;
  }

  async schedule(practitionerExternalId: string, windows: unknown[]): Promise<void> {
    const res = await this.api('PUT', `/api/server/practitioners/${practitionerExternalId}/schedule`, {
      windows,
    });
    if (res.status !== 200) throw new Error(`schedule push failed: ${res.status}`);
  }

  async appointment(
    externalId: string,
    body: { patient: string; practitioner: string; startsAt: string; endsAt: string; status: string },
  ): Promise<Appointment> {
    const res = await this.api<{ appointment: Appointment }>(
      'PUT',
      `/api/server/appointments/${externalId}`,
      {
        patient_external_id: body.patient,
        practitioner_external_id: body.practitioner,
        starts_at: body.startsAt,
        ends_at: body.endsAt,
        status: body.status,
      },
    );
    if (res.status !== 200)
      throw new Error(`appointment push failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.appointment;
  }

  /** What the host's view does for its signed-in user before rendering a chat page. */
  async tokenFor(externalId: string): Promise<ServerTokenResponse> {
    const res = await this.api<ServerTokenResponse>('POST', `/api/server/users/${externalId}/tokens`);
    if (res.status !== 201) throw new Error(`token mint failed: ${res.status}`);
    return res.body;
  }
}
