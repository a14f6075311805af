import type { Contact, User } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/ports/clock.js';
import {
  acceptedAppointment,
  listConversations,
  moveAppointment,
  requestAppointment,
} from './helpers/care.js';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

const NOW = '2026-01-05T10:00:00.000Z';

async function search(server: TestServer, by: TestUser, query: string): Promise<User[]> {
  const res = await request<{ users: User[] }>(
    server.url,
    'GET',
    `/api/users?query=${encodeURIComponent(query)}`,
    { token: by.token },
  );
  if (res.status !== 200) throw new Error(`search failed: ${res.status}`);
  return res.body.users;
}

describe.each(DIALECTS)('contacts and user search on %s', (dialect) => {
  describe('under the appointment policy', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer({
        dialect,
        clock: new ManualClock(NOW),
        env: { MESSAGING_POLICY: 'appointment' },
      });
    });
    afterAll(() => server.close());

    it('dashboards: each side sees the other with conversation, unread count and next appointment', async () => {
      const tag = Math.random().toString(36).slice(2, 8);
      const [doctor, linked, pending, cancelled] = await Promise.all([
        registerUser(server.url, { name: `Dr. Dash ${tag}`, role: 'practitioner' }),
        registerUser(server.url, { name: `Linked ${tag}` }),
        registerUser(server.url, { name: `Pending ${tag}` }),
        registerUser(server.url, { name: `Cancelled ${tag}` }),
      ]);
      const today = await acceptedAppointment(
        server.url,
        linked,
        doctor,
        '2026-01-05T10:00:00Z',
        '2026-01-05T10:30:00Z',
      );
      await acceptedAppointment(server.url, linked, doctor, '2026-01-09T10:00:00Z', '2026-01-09T10:30:00Z');
      await acceptedAppointment(server.url, linked, doctor, '2026-01-20T10:00:00Z', '2026-01-20T10:30:00Z');
      await requestAppointment(server.url, pending, doctor, '2026-01-06T10:00:00Z', '2026-01-06T10:30:00Z');
      const gone = await acceptedAppointment(
        server.url,
        cancelled,
        doctor,
        '2026-01-06T10:00:00Z',
        '2026-01-06T11:00:00Z',
      );
      await moveAppointment(server.url, cancelled, gone.id, 'cancel');

      const conversationId = today.consultation!.conversation_id!;
      await sendHttp(server.url, linked, conversationId, 'A question about my results');

      const mine = await request<{ contacts: Contact[] }>(server.url, 'GET', '/api/contacts', {
        token: doctor.token,
      });
      expect(mine.body.contacts).toHaveLength(1);
      expect(mine.body.contacts[0]).toMatchObject({
        user: { id: linked.user.id, name: `Linked ${tag}`, role: 'patient' },
        conversation_id: conversationId,
        unread_count: 1,
        // Today's appointment has not ended yet, so it is the next one.
        next_appointment: { id: today.id, status: 'accepted' },
      });
      expect(mine.body.contacts[0]?.user.email).toBeUndefined();
      const theirs = await request<{ contacts: Contact[] }>(server.url, 'GET', '/api/contacts', {
        token: linked.token,
      });
      expect(theirs.body.contacts).toHaveLength(1);
      expect(theirs.body.contacts[0]).toMatchObject({
        user: { id: doctor.user.id, role: 'practitioner' },
        conversation_id: conversationId,
        unread_count: 0,
      });
      const pendingView = await request<{ contacts: Contact[] }>(server.url, 'GET', '/api/contacts', {
        token: pending.token,
      });
      expect(pendingView.body.contacts).toEqual([]);
    });

    it('search shows only people the policy lets the caller see', async () => {
      const tag = Math.random().toString(36).slice(2, 8);
      const [doctor, otherDoctor, patient, otherPatient] = await Promise.all([
        registerUser(server.url, { name: `Dr. Find ${tag}`, role: 'practitioner' }),
        registerUser(server.url, { name: `Dr. Other ${tag}`, role: 'practitioner' }),
        registerUser(server.url, { name: `Patient Find ${tag}` }),
        registerUser(server.url, { name: `Patient Other ${tag}` }),
      ]);
      await acceptedAppointment(server.url, patient, doctor, '2026-01-06T10:00:00Z', '2026-01-06T10:30:00Z');

      // Patients find practitioners (to book them) but never other patients.
      const byPatient = await search(server, patient, tag);
      expect(byPatient.map((u) => u.id).sort()).toEqual([doctor.user.id, otherDoctor.user.id].sort());
      expect(byPatient.every((u) => u.email === undefined)).toBe(true);
      // Practitioners find colleagues and their own patients, not other patients.
      const byDoctor = await search(server, doctor, tag);
      expect(byDoctor.map((u) => u.id).sort()).toEqual([otherDoctor.user.id, patient.user.id].sort());
      const byOtherDoctor = await search(server, otherDoctor, `patient find ${tag}`);
      expect(byOtherDoctor).toEqual([]);
      // Exact email matches, case-insensitively; partial emails do not.
      expect((await search(server, patient, doctor.email.toUpperCase())).map((u) => u.id)).toEqual([
        doctor.user.id,
      ]);
      expect(await search(server, patient, doctor.email.slice(0, 8))).toEqual([]);
      expect(await search(server, otherPatient, patient.email)).toEqual([]);
      // LIKE wildcards are taken literally.
      expect(await search(server, doctor, '%')).toEqual([]);
      expect(await search(server, doctor, '_')).toEqual([]);

      const bad = await request(server.url, 'GET', '/api/users?query=', { token: doctor.token });
      expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
      expect(await request(server.url, 'GET', '/api/users?query=x')).toMatchObject({ status: 401 });
    });
  });

  describe('under the open policy (seed 001: search, then message)', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer({ dialect, env: { MESSAGING_POLICY: 'open' } });
    });
    afterAll(() => server.close());

    it('finds someone, starts a conversation and sends; the receiver, joined to nothing, gets it all live', async () => {
      const tag = Math.random().toString(36).slice(2, 8);
      const [sender, receiver] = await Promise.all([
        registerUser(server.url, { name: `Searcher ${tag}` }),
        registerUser(server.url, { name: `Purna ${tag}` }),
      ]);
      const older = await registerUser(server.url);
      await openConversation(server.url, older, receiver);
      const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: receiver.token });

      const [found] = await search(server, sender, `purna ${tag}`);
      expect(found?.id).toBe(receiver.user.id);
      const conversation = await openConversation(server.url, sender, receiver);
      const sent = await sendHttp(server.url, sender, conversation.id, 'Hello from search');

      const created = await socket.next('conversation_created', (f) => f.conversation.id === conversation.id);
      expect(created.conversation.participants.map((p) => p.user.id)).toContain(sender.user.id);
      await socket.next('conversation_refresh', (f) => f.conversation_id === conversation.id);
      const message = await socket.next('chat_message', (f) => f.conversation_id === conversation.id);
      expect(message.message_id).toBe(sent.body.message.message_id);

      const [top] = await listConversations(server.url, receiver);
      expect(top).toMatchObject({ id: conversation.id, unread_count: 1, state: 'open' });
      await socket.close();
    });
  });
});
