import { randomBytes } from 'node:crypto';
import type { Appointment, Conversation, ServerTokenResponse } from '@carechat/protocol';
import { ManualClock } from '../../src/core/ports/clock.js';
import type { Dialect } from '../helpers/dialects.js';
import { request, type TestUser } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import type { DoorSession, DoorTarget } from './door.js';

/** Monday 5 January 2026, 10:00 UTC: 11:00 in Paris, inside the practitioner's hours. */
export const MONDAY_10 = '2026-01-05T10:00:00.000Z';
/** Monday 18:00 UTC: 19:00 in Paris, after hours; the consultation is still live. */
export const MONDAY_EVENING = '2026-01-05T18:00:00.000Z';
/** The next Monday, inside the hours, but past the consultation's expiry (72 h after the slot). */
export const NEXT_MONDAY_10 = '2026-01-12T10:00:00.000Z';
const SLOT = { start: '2026-01-05T10:30:00.000Z', end: '2026-01-05T11:00:00.000Z' };
/** The table makes its people and appointments as a host platform would: no password hashing per test. */
const SERVER_API_KEY = `conformance-${randomBytes(16).toString('hex')}`;
const HOURS = [{ day_of_week: 1, start: '09:00', end: '17:00', timezone: 'Europe/Paris' }];

export interface CareCase {
  doctor: TestUser;
  patient: TestUser;
  appointment: Appointment;
  conversationId: string;
  consultationId: string;
}

/**
 * One server per dialect and policy for the whole table, with a manual clock. Every behaviour makes its own people and conversations, so behaviours stay independent.
 */
export type CarePolicy = 'appointment' | 'consultation';

export class World implements DoorTarget {
  readonly clock = new ManualClock(MONDAY_10);
  readonly #consultations = new Map<string, string>();
  readonly #sessions: DoorSession[] = [];
  readonly #externalIds = new WeakMap<TestUser, string>();
  #server: TestServer | undefined;

  constructor(readonly policy: CarePolicy = 'appointment') {}

  async start(dialect: Dialect): Promise<void> {
    this.#server = await startServer({
      dialect,
      clock: this.clock,
      env: { MESSAGING_POLICY: this.policy, MAX_FRAME_BYTES: String(64 * 1024), SERVER_API_KEY },
    });
  }

  get server(): TestServer {
    if (!this.#server) throw new Error('the world has not started');
    return this.#server;
  }
  get url(): string {
    return this.server.url;
  }
  get wsUrl(): string {
    return this.server.wsUrl;
  }

  consultationOf(conversationId: string): string | undefined {
    return this.#consultations.get(conversationId);
  }

  /** Closed after the behaviour, whatever happens. */
  track<S extends DoorSession>(session: S): S {
    this.#sessions.push(session);
    return session;
  }

  async closeSessions(): Promise<void> {
    const sessions = this.#sessions.splice(0);
    await Promise.all(sessions.map((s) => s.close().catch(() => {})));
  }

  private async host<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await request<T>(this.url, method, `/api/server${path}`, { token: SERVER_API_KEY, body });
    if (res.status >= 300) throw new Error(`server API ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** A new user, signed in (through the server API, as a host platform's user). */
  async user(role: 'patient' | 'practitioner' = 'patient'): Promise<TestUser> {
    const externalId = `${role}-${randomBytes(8).toString('hex')}`;
    await this.host('PUT', `/users/${externalId}`, {
      role,
      name: role === 'patient' ? 'Conformance Patient' : 'Dr. Conformance',
    });
    const user: TestUser = {
      user: undefined as never,
      token: '',
      refreshToken: '',
      email: '',
      password: '',
      cookie: '',
    };
    this.#externalIds.set(user, externalId);
    await this.signIn(user);
    return user;
  }

  /** A fresh access token for `user` (after the clock moved past the old one's life). */
  async signIn(user: TestUser): Promise<void> {
    const minted = await this.host<ServerTokenResponse>(
      'POST',
      `/users/${this.#externalIds.get(user)}/tokens`,
    );
    user.user = minted.user;
    user.token = minted.access_token;
    user.refreshToken = minted.refresh_token;
  }

  /** A practitioner with Monday hours and a patient whose appointment they accepted: a live consultation. */
  async careCase(): Promise<CareCase> {
    const [doctor, patient] = await Promise.all([this.user('practitioner'), this.user('patient')]);
    const [{ appointment }] = await Promise.all([
      this.host<{ appointment: Appointment }>('PUT', `/appointments/apt-${randomBytes(8).toString('hex')}`, {
        patient_external_id: this.#externalIds.get(patient),
        practitioner_external_id: this.#externalIds.get(doctor),
        starts_at: SLOT.start,
        ends_at: SLOT.end,
        status: 'accepted',
      }),
      this.host('PUT', `/practitioners/${this.#externalIds.get(doctor)}/schedule`, { windows: HOURS }),
    ]);
    const conversationId = appointment.consultation!.conversation_id!;
    const consultationId = appointment.consultation!.id;
    this.#consultations.set(conversationId, consultationId);
    return { doctor, patient, appointment, conversationId, consultationId };
  }

  /** A care-team group of the case's doctor and patient and a colleague: no consultation basis. */
  async careTeam(c: CareCase): Promise<string> {
    const colleague = await this.user('practitioner');
    const res = await request<{ conversation: Conversation }>(this.url, 'POST', '/api/conversations', {
      token: c.doctor.token,
      body: { participant_ids: [c.patient.user.id, colleague.user.id] },
    });
    if (res.status !== 201) throw new Error(`care team: ${res.status}`);
    return res.body.conversation.id;
  }

  /** Moves the clock and signs these people in again (their access tokens are older than that). */
  async at(when: string, ...users: TestUser[]): Promise<void> {
    this.clock.set(when);
    await Promise.all(users.map((u) => this.signIn(u)));
  }

  async close(): Promise<void> {
    await this.closeSessions();
    await this.#server?.close();
  }
}
