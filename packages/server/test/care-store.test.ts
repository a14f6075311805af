import type { Role } from '@carechat/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import type { AppointmentRecord, CareStore, ConsultationRecord } from '../src/core/ports/care-store.js';
import { type Store, StoreConflictError } from '../src/core/ports/store.js';
import { careStoreFor } from '../src/store/care-kysely-store.js';
import { createTestStore, DIALECTS, type TestStore } from './helpers/dialects.js';

const NOW = '2026-01-05T10:00:00.000Z';
/** Thirty seconds after NOW: how long a doctor_ready claim holds. */
const LATER = '2026-01-05T10:00:30.000Z';

describe.each(DIALECTS)('care store on %s', (dialect) => {
  let testStore: TestStore;
  let store: Store;
  let care: CareStore;

  beforeEach(async () => {
    testStore = await createTestStore(dialect);
    store = testStore.store;
    care = careStoreFor(store);
  });
  afterEach(() => testStore.dispose());

  async function user(name: string, role: Role = 'patient'): Promise<string> {
    const id = newId('usr');
    await store.insertUser({
      id,
      email: `${id}@example.test`,
      name,
      role,
      passwordHash: null,
      createdAt: NOW,
    });
    return id;
  }

  async function appointment(patientId: string, practitionerId: string): Promise<AppointmentRecord> {
    const record: AppointmentRecord = {
      id: newId('apt'),
      externalId: null,
      patientId,
      practitionerId,
      status: 'requested',
      startsAt: '2026-01-06T10:00:00.000Z',
      endsAt: '2026-01-06T10:30:00.000Z',
      createdAt: NOW,
      updatedAt: NOW,
    };
    await care.insertAppointment(record);
    return record;
  }

  function consultation(a: AppointmentRecord): ConsultationRecord {
    return {
      id: newId('cns'),
      appointmentId: a.id,
      patientId: a.patientId,
      practitionerId: a.practitionerId,
      conversationId: null,
      isActive: true,
      expiresAt: '2026-01-09T10:30:00.000Z',
      createdAt: NOW,
    };
  }

  it('lets exactly one of many concurrent claims of a doctor_ready window win', async () => {
    const a = await appointment(await user('P'), await user('D', 'practitioner'));
    const c = await care.insertConsultation(consultation(a));
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        care.claimDoctorReady(c.id, '2026-01-05T09:00/UTC', `node-${i}`, NOW, LATER),
      ),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await care.claimDoctorReady(c.id, '2026-01-12T09:00/UTC', 'node-0', NOW, LATER)).toBe(true);
  });

  it('lets a lapsed, unsent doctor_ready claim be taken over once, and a sent one never', async () => {
    const a = await appointment(await user('P'), await user('D', 'practitioner'));
    const c = await care.insertConsultation(consultation(a));
    const key = '2026-01-05T09:00/UTC';
    expect(await care.claimDoctorReady(c.id, key, 'dead-node', NOW, LATER)).toBe(true);
    // Still held: nobody else.
    expect(await care.claimDoctorReady(c.id, key, 'node-b', '2026-01-05T10:00:10.000Z', LATER)).toBe(false);
    // Lapsed without a send: exactly one of several takers wins.
    const takeovers = await Promise.all(
      ['node-b', 'node-c', 'node-d'].map((n) =>
        care.claimDoctorReady(c.id, key, n, '2026-01-05T10:01:00.000Z', '2026-01-05T10:01:30.000Z'),
      ),
    );
    expect(takeovers.filter(Boolean)).toHaveLength(1);
    await care.markDoctorReadySent(c.id, key, '2026-01-05T10:01:01.000Z');
    expect(
      await care.claimDoctorReady(
        c.id,
        key,
        'node-e',
        '2026-01-06T00:00:00.000Z',
        '2026-01-06T00:00:30.000Z',
      ),
    ).toBe(false);
  });

  it('moves an appointment by compare-and-set: of two concurrent moves, one wins', async () => {
    const a = await appointment(await user('P'), await user('D', 'practitioner'));
    const [accept, decline] = await Promise.all([
      care.transitionAppointment(a.id, ['requested'], 'accepted', NOW),
      care.transitionAppointment(a.id, ['requested'], 'declined', NOW),
    ]);
    expect([accept, decline].filter(Boolean)).toHaveLength(1);
    const stored = await care.findAppointment(a.id);
    expect(stored?.status).toBe(accept ? 'accepted' : 'declined');
  });

  it('keeps one consultation per appointment', async () => {
    const a = await appointment(await user('P'), await user('D', 'practitioner'));
    const first = await care.insertConsultation(consultation(a));
    const second = await care.insertConsultation(consultation(a));
    expect(second.id).toBe(first.id);
    await care.updateConsultation(a.id, { isActive: false });
    expect(await care.listLiveConsultations(NOW)).toEqual([]);
    await care.updateConsultation(a.id, { isActive: true });
    expect((await care.listLiveConsultations(NOW)).map((c) => c.id)).toEqual([first.id]);
    expect(await care.listLiveConsultations('2026-01-09T10:30:00.000Z')).toEqual([]);
  });

  it('adds participants once and removes them at once', async () => {
    const [a, b, c] = [await user('A'), await user('B'), await user('C')];
    const id = newId('cnv');
    const row = (userId: string) => ({
      conversationId: id,
      userId,
      joinedAt: NOW,
      lastReadSeq: 0,
      lastDeliveredSeq: 0,
      muted: false,
      pinned: false,
    });
    await store.transaction((tx) =>
      tx.conversations.insertConversation(
        {
          id,
          kind: 'group',
          directKey: null,
          appointmentId: null,
          createdBy: a,
          createdAt: NOW,
          lastSeq: 0,
          lastActivityAt: NOW,
        },
        [row(a), row(b)],
      ),
    );
    expect(await store.transaction((tx) => tx.conversations.addParticipants([row(b), row(c)]))).toEqual([c]);
    expect(await store.transaction((tx) => tx.conversations.removeParticipant(id, b))).toBe(true);
    expect(await store.transaction((tx) => tx.conversations.removeParticipant(id, b))).toBe(false);
    expect(await store.findParticipant(id, b)).toBeUndefined();
    expect((await store.listParticipants([id])).map((p) => p.userId).sort()).toEqual([a, c].sort());
  });

  it('replaces schedules whole and keys users by external id', async () => {
    const d = await user('D', 'practitioner');
    const window = { practitionerId: d, dayOfWeek: 1, start: '09:00', end: '12:00', timezone: 'UTC' };
    await care.replaceSchedule(d, [window, { ...window, dayOfWeek: 2 }]);
    await care.replaceSchedule(d, [window]);
    expect(await care.listScheduleWindows([d])).toEqual([window]);

    const id = newId('usr');
    const record = {
      id,
      email: 'ext@example.test',
      name: 'Ext',
      role: 'patient' as const,
      passwordHash: null,
      createdAt: NOW,
    };
    await care.insertExternalUser(record, 'host-1');
    expect(await care.findUserIdByExternalId('host-1')).toBe(id);
    await expect(
      care.insertExternalUser({ ...record, id: newId('usr'), email: 'x@example.test' }, 'host-1'),
    ).rejects.toThrow(StoreConflictError);
    // The failed insert left no user behind.
    expect(await store.findUserByEmail('x@example.test')).toBeUndefined();
  });

  it('searches names case-insensitively, emails exactly, within the scope, wildcards literally', async () => {
    const me = await user('Me');
    const doc = await user('Dr. Ann Percent%', 'practitioner');
    const pat = await user('Ann Patient');
    const everyone = { everyone: true as const, excludeUserId: me };
    expect((await care.searchUsers('ann', everyone, 10)).map((u) => u.id).sort()).toEqual([doc, pat].sort());
    expect((await care.searchUsers('%', everyone, 10)).map((u) => u.id)).toEqual([doc]);
    expect(await care.searchUsers('_', everyone, 10)).toEqual([]);
    expect((await care.searchUsers(`${pat}@EXAMPLE.test`, everyone, 10)).map((u) => u.id)).toEqual([pat]);
    const practitionersOnly = {
      everyone: false as const,
      excludeUserId: me,
      userIds: [],
      roles: ['practitioner' as const],
    };
    expect((await care.searchUsers('ann', practitionersOnly, 10)).map((u) => u.id)).toEqual([doc]);
    const nobody = { everyone: false as const, excludeUserId: me, userIds: [], roles: [] };
    expect(await care.searchUsers('ann', nobody, 10)).toEqual([]);
    expect(await care.searchUsers('me', everyone, 10)).toEqual([]);
  });
  it('keeps blocks once each, lifts them, and lists them by patient', async () => {
    const [patient, doctor, other] = await Promise.all([
      user('Block Patient'),
      user('Dr. Block', 'practitioner'),
      user('Dr. Other', 'practitioner'),
    ]);
    await care.putBlock({ patientId: patient, blockedId: doctor, createdAt: NOW });
    await care.putBlock({ patientId: patient, blockedId: doctor, createdAt: '2026-01-06T00:00:00.000Z' });
    await care.putBlock({ patientId: patient, blockedId: other, createdAt: '2026-01-05T11:00:00.000Z' });
    expect((await care.listBlocksBy([patient])).map((b) => [b.blockedId, b.createdAt])).toEqual([
      [doctor, NOW],
      [other, '2026-01-05T11:00:00.000Z'],
    ]);
    expect(await care.deleteBlock(patient, doctor)).toBe(true);
    expect(await care.deleteBlock(patient, doctor)).toBe(false);
    expect(await care.listBlocksBy([doctor])).toEqual([]);
    expect((await care.listBlocksBy([patient])).map((b) => b.blockedId)).toEqual([other]);
  });

  it('records who added a practitioner, the latest adder winning, and when an appointment ended', async () => {
    const [patient, doctor, nurse] = await Promise.all([
      user('Team Patient'),
      user('Dr. Team', 'practitioner'),
      user('Nurse Team', 'practitioner'),
    ]);
    await care.putCareTeamMembers([
      { conversationId: 'cnv_1', userId: nurse, addedBy: doctor, addedAt: NOW },
    ]);
    await care.putCareTeamMembers([
      { conversationId: 'cnv_1', userId: nurse, addedBy: patient, addedAt: '2026-01-06T00:00:00.000Z' },
    ]);
    expect(await care.listCareTeam('cnv_1')).toEqual([
      { conversationId: 'cnv_1', userId: nurse, addedBy: patient, addedAt: '2026-01-06T00:00:00.000Z' },
    ]);
    const a = await appointment(patient, doctor);
    expect((await care.findAppointment(a.id))?.endedAt).toBeNull();
    await care.endAppointment(a.id, '2026-01-06T10:10:00.000Z');
    await care.endAppointment(a.id, '2026-01-06T10:20:00.000Z');
    expect((await care.findAppointment(a.id))?.endedAt).toBe('2026-01-06T10:10:00.000Z');
  });
});
