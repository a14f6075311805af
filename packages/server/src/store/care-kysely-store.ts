import type { AccountStatus, AppointmentStatus, Role } from '@carechat/protocol';
import { type Kysely, type Selectable, sql } from 'kysely';
import type {
  AppointmentRecord,
  BlockRecord,
  CareStore,
  CareTeamMemberRecord,
  ConsultationRecord,
  ScheduleWindowRecord,
  SearchScope,
} from '../core/ports/care-store.js';
import { type Store, StoreConflictError, type UserRecord } from '../core/ports/store.js';
import type { CareDatabase } from './care-schema.js';
import { isKyselyBacked } from './kysely-backed.js';
import type { Database } from './schema.js';
import { isUniqueViolation } from './unique-violation.js';

type Db = Kysely<Database & CareDatabase>;

/** The care store over the same Kysely instance (and so the same connection pool) as the main store. */
export class KyselyCareStore implements CareStore {
  readonly #db: Db;

  constructor(
    db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {
    this.#db = db.withTables<CareDatabase>();
  }

  async findUserIdByExternalId(externalId: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('external_users')
      .select('user_id')
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    return row?.user_id;
  }

  async findExternalIds(userIds: readonly string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.#db
      .selectFrom('external_users')
      .select(['user_id', 'external_id'])
      .where('user_id', 'in', [...userIds])
      .execute();
    return new Map(rows.map((r) => [r.user_id, r.external_id]));
  }

  async insertExternalUser(user: UserRecord, externalId: string): Promise<void> {
    try {
      await this.#db.transaction().execute(async (trx) => {
        await trx
          .insertInto('users')
          .values({
            id: user.id,
            email: user.email.toLowerCase(),
            name: user.name,
            role: user.role,
            password_hash: user.passwordHash,
            created_at: user.createdAt,
          })
          .execute();
        await trx
          .insertInto('external_users')
          .values({ external_id: externalId, user_id: user.id, created_at: user.createdAt })
          .execute();
      });
    } catch (error) {
      if (isUniqueViolation(this.dialect, error)) throw new StoreConflictError('user exists');
      throw error;
    }
  }

  async updateUserProfile(id: string, fields: { name: string; role: Role; email?: string }): Promise<void> {
    try {
      await this.#db
        .updateTable('users')
        .set({
          name: fields.name,
          role: fields.role,
          ...(fields.email === undefined ? {} : { email: fields.email.toLowerCase() }),
        })
        .where('id', '=', id)
        .execute();
    } catch (error) {
      if (isUniqueViolation(this.dialect, error)) throw new StoreConflictError('email taken');
      throw error;
    }
  }

  async searchUsers(query: string, scope: SearchScope, limit: number): Promise<UserRecord[]> {
    const needle = query.toLowerCase();
    const pattern = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    let q = this.#db
      .selectFrom('users')
      .selectAll()
      .where('id', '<>', scope.excludeUserId)
      .where((eb) =>
        eb.or([
          eb(eb.fn('lower', ['name']), 'like', sql<string>`${pattern} escape '\\'`),
          eb('email', '=', needle),
        ]),
      );
    if (!scope.everyone) {
      const { userIds, roles } = scope;
      if (userIds.length === 0 && roles.length === 0) return [];
      q = q.where((eb) =>
        eb.or([
          ...(userIds.length > 0 ? [eb('id', 'in', [...userIds])] : []),
          ...(roles.length > 0 ? [eb('role', 'in', [...roles])] : []),
        ]),
      );
    }
    const rows = await q.orderBy('name').orderBy('id').limit(limit).execute();
    return rows.map((row) => ({
      id: row.id,
      email: row.email,
      name: row.name,
      role: row.role as Role,
      passwordHash: row.password_hash,
      createdAt: row.created_at,
      status: row.status as AccountStatus,
    }));
  }

  async insertAppointment(a: AppointmentRecord): Promise<void> {
    try {
      await this.#db
        .insertInto('appointments')
        .values({
          id: a.id,
          external_id: a.externalId,
          patient_id: a.patientId,
          practitioner_id: a.practitionerId,
          status: a.status,
          starts_at: a.startsAt,
          ends_at: a.endsAt,
          created_at: a.createdAt,
          updated_at: a.updatedAt,
          ended_at: a.endedAt ?? null,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(this.dialect, error)) throw new StoreConflictError('appointment exists');
      throw error;
    }
  }

  async findAppointment(id: string): Promise<AppointmentRecord | undefined> {
    const row = await this.#db.selectFrom('appointments').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toAppointment(row);
  }

  async findAppointmentByExternalId(externalId: string): Promise<AppointmentRecord | undefined> {
    const row = await this.#db
      .selectFrom('appointments')
      .selectAll()
      .where('external_id', '=', externalId)
      .executeTakeFirst();
    return row && toAppointment(row);
  }

  async transitionAppointment(
    id: string,
    from: readonly AppointmentStatus[],
    to: AppointmentStatus,
    at: string,
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('appointments')
      .set({ status: to, updated_at: at })
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async updateAppointment(
    id: string,
    fields: { status: AppointmentStatus; startsAt: string; endsAt: string; updatedAt: string },
  ): Promise<void> {
    await this.#db
      .updateTable('appointments')
      .set({
        status: fields.status,
        starts_at: fields.startsAt,
        ends_at: fields.endsAt,
        updated_at: fields.updatedAt,
      })
      .where('id', '=', id)
      .execute();
  }

  async endAppointment(id: string, at: string): Promise<void> {
    await this.#db
      .updateTable('appointments')
      .set({ ended_at: at, updated_at: at })
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .execute();
  }

  async putCareTeamMembers(members: readonly CareTeamMemberRecord[]): Promise<void> {
    for (const m of members) {
      await this.#db
        .insertInto('care_team_members')
        .values({
          conversation_id: m.conversationId,
          user_id: m.userId,
          added_by: m.addedBy,
          added_at: m.addedAt,
        })
        .onConflict((oc) =>
          oc
            .columns(['conversation_id', 'user_id'])
            .doUpdateSet({ added_by: m.addedBy, added_at: m.addedAt }),
        )
        .execute();
    }
  }

  async listCareTeam(conversationId: string): Promise<CareTeamMemberRecord[]> {
    const rows = await this.#db
      .selectFrom('care_team_members')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .execute();
    return rows.map((r) => ({
      conversationId: r.conversation_id,
      userId: r.user_id,
      addedBy: r.added_by,
      addedAt: r.added_at,
    }));
  }

  async putBlock(block: BlockRecord): Promise<void> {
    await this.#db
      .insertInto('blocks')
      .values({ patient_id: block.patientId, blocked_id: block.blockedId, created_at: block.createdAt })
      .onConflict((oc) => oc.columns(['patient_id', 'blocked_id']).doNothing())
      .execute();
  }

  async deleteBlock(patientId: string, blockedId: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('blocks')
      .where('patient_id', '=', patientId)
      .where('blocked_id', '=', blockedId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listBlocksBy(patientIds: readonly string[]): Promise<BlockRecord[]> {
    if (patientIds.length === 0) return [];
    const rows = await this.#db
      .selectFrom('blocks')
      .selectAll()
      .where('patient_id', 'in', [...patientIds])
      .orderBy('created_at')
      .orderBy('blocked_id')
      .execute();
    return rows.map((r) => ({ patientId: r.patient_id, blockedId: r.blocked_id, createdAt: r.created_at }));
  }

  async listAppointmentsOf(userId: string, status?: AppointmentStatus): Promise<AppointmentRecord[]> {
    let q = this.#db
      .selectFrom('appointments')
      .selectAll()
      .where((eb) => eb.or([eb('patient_id', '=', userId), eb('practitioner_id', '=', userId)]));
    if (status !== undefined) q = q.where('status', '=', status);
    const rows = await q.orderBy('starts_at').orderBy('id').execute();
    return rows.map(toAppointment);
  }

  async listAppointmentsBetween(
    patientIds: readonly string[],
    practitionerIds: readonly string[],
  ): Promise<AppointmentRecord[]> {
    if (patientIds.length === 0 || practitionerIds.length === 0) return [];
    const rows = await this.#db
      .selectFrom('appointments')
      .selectAll()
      .where('patient_id', 'in', [...patientIds])
      .where('practitioner_id', 'in', [...practitionerIds])
      .orderBy('starts_at')
      .orderBy('id')
      .execute();
    return rows.map(toAppointment);
  }

  async insertConsultation(c: ConsultationRecord): Promise<ConsultationRecord> {
    // `do nothing` rather than catching the violation: inside a transaction (an appointment's
    // move) a failed statement would end the transaction on PostgreSQL.
    const result = await this.#db
      .insertInto('consultations')
      .values({
        id: c.id,
        appointment_id: c.appointmentId,
        patient_id: c.patientId,
        practitioner_id: c.practitionerId,
        conversation_id: c.conversationId,
        is_active: c.isActive ? 1 : 0,
        expires_at: c.expiresAt,
        created_at: c.createdAt,
      })
      .onConflict((oc) => oc.column('appointment_id').doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 1) return c;
    const [existing] = await this.findConsultationsByAppointments([c.appointmentId]);
    if (!existing) throw new Error('consultation neither inserted nor found');
    return existing;
  }

  async findConsultation(id: string): Promise<ConsultationRecord | undefined> {
    const row = await this.#db
      .selectFrom('consultations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toConsultation(row);
  }

  async findConsultationsByAppointments(appointmentIds: readonly string[]): Promise<ConsultationRecord[]> {
    if (appointmentIds.length === 0) return [];
    const rows = await this.#db
      .selectFrom('consultations')
      .selectAll()
      .where('appointment_id', 'in', [...appointmentIds])
      .execute();
    return rows.map(toConsultation);
  }

  async listConsultationsOfConversation(conversationId: string): Promise<ConsultationRecord[]> {
    const rows = await this.#db
      .selectFrom('consultations')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('expires_at', 'desc')
      .execute();
    return rows.map(toConsultation);
  }

  async listConsultationsBetween(
    patientIds: readonly string[],
    practitionerIds: readonly string[],
  ): Promise<ConsultationRecord[]> {
    if (patientIds.length === 0 || practitionerIds.length === 0) return [];
    const rows = await this.#db
      .selectFrom('consultations')
      .selectAll()
      .where('patient_id', 'in', [...patientIds])
      .where('practitioner_id', 'in', [...practitionerIds])
      .orderBy('expires_at', 'desc')
      .execute();
    return rows.map(toConsultation);
  }

  async updateConsultation(
    appointmentId: string,
    fields: { isActive?: boolean; expiresAt?: string; conversationId?: string },
  ): Promise<void> {
    const set = {
      ...(fields.isActive === undefined ? {} : { is_active: fields.isActive ? 1 : 0 }),
      ...(fields.expiresAt === undefined ? {} : { expires_at: fields.expiresAt }),
      ...(fields.conversationId === undefined ? {} : { conversation_id: fields.conversationId }),
    };
    if (Object.keys(set).length === 0) return;
    await this.#db
      .updateTable('consultations')
      .set(set)
      .where('appointment_id', '=', appointmentId)
      .execute();
  }

  async listLiveConsultations(now: string, practitionerId?: string): Promise<ConsultationRecord[]> {
    let q = this.#db
      .selectFrom('consultations')
      .selectAll()
      .where('is_active', '=', 1)
      .where('expires_at', '>', now);
    if (practitionerId !== undefined) q = q.where('practitioner_id', '=', practitionerId);
    const rows = await q.orderBy('id').execute();
    return rows.map(toConsultation);
  }

  async listScheduleWindows(practitionerIds: readonly string[]): Promise<ScheduleWindowRecord[]> {
    if (practitionerIds.length === 0) return [];
    const rows = await this.#db
      .selectFrom('schedule_windows')
      .selectAll()
      .where('practitioner_id', 'in', [...practitionerIds])
      .orderBy('practitioner_id')
      .orderBy('day_of_week')
      .orderBy('start_time')
      .orderBy('timezone')
      .execute();
    return rows.map((row) => ({
      practitionerId: row.practitioner_id,
      dayOfWeek: Number(row.day_of_week),
      start: row.start_time,
      end: row.end_time,
      timezone: row.timezone,
    }));
  }

  async replaceSchedule(practitionerId: string, windows: readonly ScheduleWindowRecord[]): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('schedule_windows').where('practitioner_id', '=', practitionerId).execute();
      if (windows.length === 0) return;
      await trx
        .insertInto('schedule_windows')
        .values(
          windows.map((w) => ({
            practitioner_id: practitionerId,
            day_of_week: w.dayOfWeek,
            start_time: w.start,
            end_time: w.end,
            timezone: w.timezone,
          })),
        )
        .execute();
    });
  }

  async claimDoctorReady(
    consultationId: string,
    windowKey: string,
    claimedBy: string,
    at: string,
    until: string,
  ): Promise<boolean> {
    const result = await this.#db
      .insertInto('doctor_ready_leases')
      .values({
        consultation_id: consultationId,
        window_key: windowKey,
        claimed_by: claimedBy,
        claimed_at: at,
        claimed_until: until,
        sent_at: null,
      })
      .onConflict((oc) =>
        oc
          .columns(['consultation_id', 'window_key'])
          .doUpdateSet({ claimed_by: claimedBy, claimed_at: at, claimed_until: until })
          // Only a lapsed, unsent claim is taken over; one statement, so two takers cannot both win.
          .where('doctor_ready_leases.sent_at', 'is', null)
          .where('doctor_ready_leases.claimed_until', '<', at),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async markDoctorReadySent(consultationId: string, windowKey: string, at: string): Promise<void> {
    await this.#db
      .updateTable('doctor_ready_leases')
      .set({ sent_at: at })
      .where('consultation_id', '=', consultationId)
      .where('window_key', '=', windowKey)
      .execute();
  }
}

/** The care store sharing a store's database; stores other than the Kysely one must bring their own. */
export function careStoreFor(store: Store): CareStore {
  if (isKyselyBacked(store)) return new KyselyCareStore(store.db, store.dialect);
  throw new Error('no care store for this store: pass one in the app deps');
}

type Row<T extends keyof CareDatabase> = Selectable<CareDatabase[T]>;

function toAppointment(row: Row<'appointments'>): AppointmentRecord {
  return {
    id: row.id,
    externalId: row.external_id,
    patientId: row.patient_id,
    practitionerId: row.practitioner_id,
    status: row.status as AppointmentStatus,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
  };
}

function toConsultation(row: Row<'consultations'>): ConsultationRecord {
  return {
    id: row.id,
    appointmentId: row.appointment_id,
    patientId: row.patient_id,
    practitionerId: row.practitioner_id,
    conversationId: row.conversation_id,
    isActive: Number(row.is_active) === 1,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  };
}
