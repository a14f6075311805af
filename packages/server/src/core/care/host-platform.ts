import { createHash } from 'node:crypto';
import type {
  Appointment,
  PutScheduleBody,
  Schedule,
  ServerAppointmentBody,
  ServerUserBody,
} from '@carechat/protocol';
import type { RequestContext } from '../actor.js';
import type { AuditLog } from '../audit.js';
import type { AuthService, IssuedSession } from '../auth.js';
import { CoreError } from '../errors.js';
import { newId } from '../ids.js';
import type { Bus } from '../ports/bus.js';
import type { AppointmentRecord, CareStore } from '../ports/care-store.js';
import type { Clock } from '../ports/clock.js';
import { type Store, StoreConflictError, type UserRecord } from '../ports/store.js';
import { announceAccessChange } from '../practitioner-approvals.js';
import type { IssuedSignInLink, SignInLinkService } from '../sign-in-links.js';
import type { UserDirectory } from '../users.js';
import type { AppointmentService } from './appointments.js';
import type { ScheduleService } from './schedules.js';

export interface HostPlatformDeps {
  store: Store;
  care: CareStore;
  audit: AuditLog;
  clock: Clock;
  bus: Bus;
  users: UserDirectory;
  auth: AuthService;
  appointments: AppointmentService;
  schedules: ScheduleService;
  signInLinks: SignInLinkService;
}

/**
 * The server API's core: a host platform (a Django or Next.js app that owns the users and the
 * appointments) pushes them in under its own ids and mints access tokens for its users. Every
 * write is an upsert, so the host can simply resend its state.
 */
export class HostPlatformService {
  constructor(private readonly d: HostPlatformDeps) {}

  async upsertUser(
    externalId: string,
    body: ServerUserBody,
    context: RequestContext = SERVER_API,
  ): Promise<{ user: UserRecord; created: boolean }> {
    const existing = await this.d.care.findUserIdByExternalId(externalId);
    if (existing) return { user: await this.update(existing, body, context), created: false };
    const user: UserRecord = {
      id: newId('usr'),
      // Users from a host platform sign in through it: no password, and a placeholder email
      // (never shown to others) when the host keeps emails to itself.
      email: body.email ?? placeholderEmail(externalId),
      name: body.name,
      role: body.role,
      passwordHash: null,
      createdAt: this.d.clock.now().toISOString(),
    };
    try {
      await this.d.care.insertExternalUser(user, externalId);
      await this.d.audit.recordNow(context, 'server.user_created', {
        targetUserId: user.id,
        detail: { role: user.role },
      });
      return { user, created: true };
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      // Two upserts of the same user raced: the other one created it; this one updates it.
      const raced = await this.d.care.findUserIdByExternalId(externalId);
      if (raced) return { user: await this.update(raced, body, context), created: false };
      throw new CoreError('conflict', 'Another user has this email.');
    }
  }

  async putSchedule(practitionerExternalId: string, body: PutScheduleBody): Promise<Schedule> {
    return this.d.schedules.replace(await this.userId(practitionerExternalId), body);
  }

  async upsertAppointment(
    externalId: string,
    body: ServerAppointmentBody,
    context: RequestContext = SERVER_API,
  ): Promise<Appointment> {
    const [patientId, practitionerId] = [
      await this.userId(body.patient_external_id),
      await this.userId(body.practitioner_external_id),
    ];
    const [patient, practitioner] = [
      await this.d.users.get(patientId),
      await this.d.users.get(practitionerId),
    ];
    if (patient?.role !== 'patient' || practitioner?.role !== 'practitioner') {
      throw new CoreError('invalid_request', 'An appointment is between a patient and a practitioner.');
    }
    const now = this.d.clock.now().toISOString();
    const fields = {
      status: body.status,
      startsAt: new Date(body.starts_at).toISOString(),
      endsAt: new Date(body.ends_at).toISOString(),
      updatedAt: now,
    };
    // The host owns its appointments' statuses, but a visit cannot be done before it begins: the
    // same rule as the practitioner's `complete`, or the relationship would open a window early.
    if (fields.status === 'completed' && now < fields.startsAt) {
      throw new CoreError('conflict', 'An appointment can be completed only after it starts.');
    }
    const found = await this.d.care.findAppointmentByExternalId(externalId);
    if (found && (found.patientId !== patientId || found.practitionerId !== practitionerId)) {
      throw new CoreError('conflict', 'This appointment id belongs to other people.');
    }
    let record: AppointmentRecord;
    try {
      // The appointment and its consultation (and conversation) commit together.
      ({ appointment: record } = await this.d.appointments.commit(async (tx) => {
        const audit = (id: string) =>
          tx.appendAudit([
            this.d.audit.entry(context, 'server.appointment_synced', {
              targetUserId: patientId,
              detail: { appointment: id, status: fields.status },
            }),
          ]);
        if (found) {
          await tx.care.updateAppointment(found.id, fields);
          await audit(found.id);
          return { ...found, ...fields };
        }
        const created = {
          id: newId('apt'),
          externalId,
          patientId,
          practitionerId,
          createdAt: now,
          ...fields,
        } satisfies AppointmentRecord;
        await tx.care.insertAppointment(created);
        await audit(created.id);
        return created;
      }));
    } catch (error) {
      if (!found && error instanceof StoreConflictError)
        throw new CoreError('conflict', 'The appointment was just created; retry.');
      throw error;
    }
    return this.d.appointments.announce(record);
  }

  /** A session for the host's user; the mint is recorded in the audit trail (`auth.token_minted`). */
  async mintToken(externalId: string, context?: RequestContext): Promise<IssuedSession> {
    return this.d.auth.startSession(
      await this.userId(externalId),
      context ?? { door: 'server_api' },
      'auth.token_minted',
    );
  }

  /** A one-time sign-in link for the host's user (docs/integration.md, "The web app inside your site"). */
  async createSignInLink(externalId: string, context: RequestContext): Promise<IssuedSignInLink> {
    return this.d.signInLinks.issue(await this.userId(externalId), context);
  }

  private async userId(externalId: string): Promise<string> {
    const id = await this.d.care.findUserIdByExternalId(externalId);
    if (!id) throw new CoreError('not_found', `No user with external id ${externalId}.`);
    return id;
  }

  private async update(id: string, body: ServerUserBody, context: RequestContext): Promise<UserRecord> {
    const before = await this.d.users.get(id);
    try {
      // The change and its audit row commit together; a change of role names both roles.
      await this.d.store.transaction(async (tx) => {
        await tx.care.updateUserProfile(id, {
          name: body.name,
          role: body.role,
          ...(body.email === undefined ? {} : { email: body.email }),
        });
        await tx.appendAudit([
          this.d.audit.entry(context, 'server.user_updated', {
            targetUserId: id,
            detail: {
              role: body.role,
              ...(before && before.role !== body.role ? { previous_role: before.role } : {}),
            },
          }),
        ]);
      });
    } catch (error) {
      if (error instanceof StoreConflictError)
        throw new CoreError('conflict', 'Another user has this email.');
      throw error;
    }
    this.d.users.forget(id);
    const user = await this.d.users.get(id);
    if (!user) throw new CoreError('not_found');
    // A demotion (or any change of role) applies to the user's next request and open connections.
    if (before?.role !== user.role) await announceAccessChange(this.d.bus, this.d.users, user);
    return user;
  }
}

/** The server API acts for the host platform: audited as the door, with no user behind it. */
const SERVER_API: RequestContext = { door: 'server_api' };

function placeholderEmail(externalId: string): string {
  const digest = createHash('sha256').update(externalId).digest('hex').slice(0, 24);
  return `ext-${digest}@external.invalid`;
}
