import type { Attachment, Conversation, Message } from '@carechat/protocol';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { careStoreFor } from '../src/store/care-kysely-store.js';
import type { KyselyStore } from '../src/store/kysely-store.js';
import { moveAppointment, requestAppointment } from './helpers/care.js';
import { DIALECTS, type Dialect } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

/** The audit actions written in the transaction of the write they record. */
const WRITE_ACTIONS = [
  'message.sent',
  'message.edited',
  'message.deleted',
  'conversation.created',
  'participant.added',
  'participant.removed',
  'attachment.uploaded',
];

/** Makes the database refuse the audit rows of writes, as a full disk or a broken table would. */
async function refuseWriteAudits(db: KyselyStore['db'], dialect: Dialect): Promise<void> {
  const actions = sql.join(WRITE_ACTIONS.map((a) => sql.lit(a)));
  if (dialect === 'sqlite') {
    await sql`create trigger refuse_write_audits before insert on audit_events
      when new.action in (${actions}) begin select raise(abort, 'audit refused'); end`.execute(db);
  } else {
    await sql`create function refuse_write_audits() returns trigger as $$
      begin raise exception 'audit refused'; end; $$ language plpgsql`.execute(db);
    await sql`create trigger refuse_write_audits before insert on audit_events for each row
      when (new.action in (${actions})) execute function refuse_write_audits()`.execute(db);
  }
}

/**
 * One action, one transaction (issue 11), through the real server: when its audit row cannot be
 * written, an action writes nothing at all and answers an error, rather than changing the record
 * without a trace of who did it.
 */
describe.each(DIALECTS)('an action whose audit row fails writes nothing, on %s', (dialect) => {
  let server: TestServer;
  let db: KyselyStore['db'];
  let doctor: TestUser;
  let patient: TestUser;
  let nurse: TestUser;
  let direct: Conversation;
  let team: Conversation;
  let sent: Message;
  let attachment: Attachment;

  const upload = async (conversationId: string) => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(PNG)], { type: 'image/png' }), 'scan.png');
    const response = await fetch(`${server.url}/api/conversations/${conversationId}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${doctor.token}` },
      body: form,
    });
    return { status: response.status, body: (await response.json()) as { attachment: Attachment } };
  };
  const count = async (table: 'messages' | 'attachments' | 'conversations', conversationId?: string) => {
    const where = conversationId === undefined ? sql`` : sql`where conversation_id = ${conversationId}`;
    const { rows } = await sql<{
      n: number | string;
    }>`select count(*) as n from ${sql.table(table)} ${where}`.execute(db);
    return Number(rows[0]!.n);
  };

  beforeAll(async () => {
    server = await startServer({ dialect });
    db = (server.store as KyselyStore).db;
    [doctor, patient, nurse] = await Promise.all([
      registerUser(server.url, { name: 'Doc', role: 'practitioner' }),
      registerUser(server.url, { name: 'Pat' }),
      registerUser(server.url, { name: 'Nur', role: 'practitioner' }),
    ]);
    direct = await openConversation(server.url, doctor, patient);
    team = await openConversation(server.url, doctor, patient, nurse);
    const first = await sendHttp(server.url, doctor, direct.id, 'first');
    expect(first.status).toBe(201);
    sent = first.body.message;
    const uploaded = await upload(direct.id);
    expect(uploaded.status).toBe(201);
    attachment = uploaded.body.attachment;
    await refuseWriteAudits(db, dialect);
  });
  afterAll(() => server.close());

  it('a send: no message, no seq used, its attachment still unsent', async () => {
    const res = await request(server.url, 'POST', `/api/conversations/${direct.id}/messages`, {
      token: doctor.token,
      body: { client_msg_id: 'with-scan', content: 'see scan', attachments: [{ id: attachment.id }] },
    });
    expect(res.status).toBe(500);
    expect(await count('messages', direct.id)).toBe(1);
    expect((await server.store.findConversation(direct.id))!.lastSeq).toBe(1);
    expect((await server.store.findAttachments([attachment.id]))[0]!.messageId).toBeNull();
  });

  it('an edit and a delete: the message as it was, no edit history', async () => {
    const edit = await request(server.url, 'PATCH', `/api/messages/${sent.message_id}`, {
      token: doctor.token,
      body: { content: 'changed' },
    });
    expect(edit.status).toBe(500);
    const remove = await request(server.url, 'DELETE', `/api/messages/${sent.message_id}`, {
      token: doctor.token,
    });
    expect(remove.status).toBe(500);
    const stored = await server.store.findMessage(sent.message_id);
    expect(stored).toMatchObject({ content: 'first', editedAt: null, deletedAt: null });
    expect(await server.store.listMessageEdits(sent.message_id)).toEqual([]);
  });

  it('a new conversation: not created', async () => {
    const before = await count('conversations');
    const other = await registerUser(server.url, { name: 'New' });
    const res = await request(server.url, 'POST', '/api/conversations', {
      token: doctor.token,
      body: { participant_ids: [other.user.id] },
    });
    expect(res.status).toBe(500);
    expect(await count('conversations')).toBe(before);
    expect(await server.store.listConversationsOfUser(other.user.id)).toEqual([]);
  });

  it('a participant added or removed: membership unchanged', async () => {
    const other = await registerUser(server.url, { name: 'Joiner' });
    const add = await request(server.url, 'POST', `/api/conversations/${team.id}/participants`, {
      token: doctor.token,
      body: { user_ids: [other.user.id] },
    });
    expect(add.status).toBe(500);
    const leave = await request(
      server.url,
      'DELETE',
      `/api/conversations/${team.id}/participants/${nurse.user.id}`,
      {
        token: nurse.token,
      },
    );
    expect(leave.status).toBe(500);
    const members = (await server.store.listParticipants([team.id])).map((p) => p.userId).sort();
    expect(members).toEqual([doctor.user.id, patient.user.id, nurse.user.id].sort());
  });

  it('an upload: no attachment row', async () => {
    const before = await count('attachments', direct.id);
    expect((await upload(direct.id)).status).toBe(500);
    expect(await count('attachments', direct.id)).toBe(before);
  });
});

/** Makes the database refuse new consultations, so an appointment's move fails half-way. */
async function refuseConsultations(db: KyselyStore['db'], dialect: Dialect): Promise<() => Promise<void>> {
  if (dialect === 'sqlite') {
    await sql`create trigger refuse_consultations before insert on consultations
      begin select raise(abort, 'consultation refused'); end`.execute(db);
    return async () => {
      await sql`drop trigger refuse_consultations`.execute(db);
    };
  }
  await sql`create function refuse_consultations() returns trigger as $$
    begin raise exception 'consultation refused'; end; $$ language plpgsql`.execute(db);
  await sql`create trigger refuse_consultations before insert on consultations for each row
    execute function refuse_consultations()`.execute(db);
  return async () => {
    await sql`drop trigger refuse_consultations on consultations`.execute(db);
  };
}

describe.each(DIALECTS)('an appointment move is one transaction, on %s', (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ dialect });
  });
  afterAll(() => server.close());

  it('accepting writes the appointment, its consultation and its conversation together, or none', async () => {
    const [doctor, patient] = await Promise.all([
      registerUser(server.url, { name: 'Doc', role: 'practitioner' }),
      registerUser(server.url, { name: 'Pat' }),
    ]);
    const start = Date.now() + 3_600_000;
    const requested = await requestAppointment(
      server.url,
      patient,
      doctor,
      new Date(start).toISOString(),
      new Date(start + 1_800_000).toISOString(),
    );
    const care = careStoreFor(server.store);
    const allow = await refuseConsultations((server.store as KyselyStore).db, dialect);

    expect((await moveAppointment(server.url, doctor, requested.id, 'accept')).status).toBe(500);
    expect((await care.findAppointment(requested.id))!.status).toBe('requested');
    expect(await care.findConsultationsByAppointments([requested.id])).toEqual([]);
    expect(await server.store.listConversationsOfUser(patient.user.id)).toEqual([]);

    await allow();
    const accepted = await moveAppointment(server.url, doctor, requested.id, 'accept');
    expect(accepted.status).toBe(200);
    const [consultation] = await care.findConsultationsByAppointments([requested.id]);
    const [chat] = await server.store.listConversationsOfUser(patient.user.id);
    expect(consultation).toMatchObject({ isActive: true, conversationId: chat!.conversation.id });
  });
});
