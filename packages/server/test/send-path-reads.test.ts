import type { ChatMessageEvent } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptedAppointment } from './helpers/care.js';
import { DIALECTS } from './helpers/dialects.js';
import { registerUser, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { selectsDuring } from './helpers/store-reads.js';
import { TestSocket } from './helpers/ws.js';

/**
 * Issue 17, point 2: a steady conversation's send reads nothing from the store before its append:
 * who is in the conversation (remembered-access.ts), the care policy's verdict, the consultation behind
 * the conversation and the sender's idempotency come from what the domain events keep current,
 * and the append itself re-checks membership in its transaction.
 */
describe.each(DIALECTS)('store reads per steady send on %s', (dialect) => {
  let server: TestServer;
  let patient: TestUser;
  let doctor: TestUser;
  let conversationId: string;

  beforeAll(async () => {
    server = await startServer({
      dialect,
      env: { MESSAGING_POLICY: 'appointment', SEND_RATE_PER_SECOND: '0' },
    });
    [patient, doctor] = await Promise.all([
      registerUser(server.url),
      registerUser(server.url, { role: 'practitioner' }),
    ]);
    const now = Date.now();
    const appointment = await acceptedAppointment(
      server.url,
      patient,
      doctor,
      new Date(now - 600_000).toISOString(),
      new Date(now + 3_600_000).toISOString(),
    );
    conversationId = appointment.consultation!.conversation_id!;
  });
  afterAll(() => server.close());

  /**
   * The patient sends ten messages; as the doctor's socket gets each, `answer` sends its receipt
   * and checks what comes of it. Returns the store's reads meanwhile (the sockets' own opening
   * reads, presence and doctor-ready, fall in the window too).
   */
  async function receiptsForTen(
    prefix: string,
    answer: (
      doctorSocket: TestSocket,
      patientSocket: TestSocket,
    ) => (got: ChatMessageEvent, i: number) => Promise<void>,
  ): Promise<string[]> {
    const doctorSocket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: doctor.token });
    const patientSocket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: patient.token });
    await Promise.all([doctorSocket.roundTrip(), patientSocket.roundTrip()]);
    const onReceived = answer(doctorSocket, patientSocket);
    try {
      return await selectsDuring(server.store, async () => {
        for (let i = 0; i < 10; i++) {
          patientSocket.send({
            type: 'chat_message',
            conversation_id: conversationId,
            content: `${prefix}${i}`,
            client_msg_id: `${prefix}${i}`,
          });
          await onReceived(await doctorSocket.next('chat_message', (f) => f.content === `${prefix}${i}`), i);
        }
      });
    } finally {
      await Promise.all([doctorSocket.close(), patientSocket.close()]);
    }
  }

  it('reads nothing per message before the append', async () => {
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: patient.token });
    const send = (i: number) =>
      socket.send({
        type: 'chat_message',
        conversation_id: conversationId,
        content: `m${i}`,
        client_msg_id: `s${i}`,
      });
    // The first send fills what later ones reuse.
    send(0);
    await socket.waitForCount('message_sent', 1);

    const reads = await selectsDuring(server.store, async () => {
      for (let i = 1; i <= 20; i++) send(i);
      await socket.waitForCount('message_sent', 21);
      const history = await fetch(`${server.url}/api/conversations/${conversationId}/messages?limit=50`, {
        headers: { authorization: `Bearer ${patient.token}` },
      });
      expect(((await history.json()) as { messages: unknown[] }).messages).toHaveLength(21);
    });
    // 20 sends, then the history request's own reads (its access check and the page). The
    // participant list is remembered for a second: a slow machine may read it once more.
    const participantReads = reads.filter((sql) => /from "conversations"/.test(sql));
    expect(participantReads.length).toBeLessThanOrEqual(3);
    // All told: the history's three reads (access, page, reactions), and at most that one more.
    expect(reads.length).toBeLessThanOrEqual(4);
    const others = reads.filter((sql) => !/from "conversations"/.test(sql));
    expect(
      others.filter((sql) =>
        /appointments|consultations|blocks|schedule_windows|care_team_members/.test(sql),
      ),
    ).toEqual([]);
    expect(others.filter((sql) => /client_msg_id/.test(sql))).toEqual([]);
    await socket.close();
  });

  it('reads only the marker back for the delivery receipt each device sends for each message', async () => {
    const reads = await receiptsForTen('r', (doctorSocket, patientSocket) => async (got) => {
      doctorSocket.send({ type: 'delivery_receipt', conversation_id: conversationId, seq: got.seq });
      const tick = await patientSocket.next('delivery_receipt', (f) => f.seq === got.seq);
      expect(tick.user_id).toBe(doctor.user.id);
    });
    // The marker is read back after each write; the conversation and its participants are not
    // read per receipt (remembered for a second: a slow machine may read them once more). The
    // sockets' own opening reads (presence, doctor-ready) fall in this window too.
    expect(
      reads.filter((sql) => /from "participants"/.test(sql) && /last_delivered_seq/.test(sql)).length,
    ).toBeLessThanOrEqual(10);
    expect(reads.filter((sql) => /from "conversations"/.test(sql)).length).toBeLessThanOrEqual(1);
  });

  it('reads the marker, the unread badge and the message for the read receipt of each message seen', async () => {
    const reads = await receiptsForTen('seen', (doctorSocket, patientSocket) => async (got, i) => {
      // Half by seq, half by message_id (as seed 004's hook sends them).
      doctorSocket.send(
        i % 2 === 0
          ? { type: 'read_receipt', conversation_id: conversationId, seq: got.seq }
          : { type: 'read_receipt', message_id: got.message_id },
      );
      const tick = await patientSocket.next('read_receipt', (f) => f.seq === got.seq);
      expect(tick.user_id).toBe(doctor.user.id);
      const badge = await doctorSocket.next('unread_changed', (f) => f.conversation_id === conversationId);
      expect(badge.unread_count).toBe(0);
    });
    // Per receipt: the marker read back, the user's unread counts (one query) and the message
    // at the marker, which the event names: looked up by seq, or the one the receipt named (read
    // with its access check). The conversation and its participants are remembered (a slow
    // machine may read them once more).
    expect(reads.filter((sql) => /from "conversations"/.test(sql)).length).toBeLessThanOrEqual(1);
    expect(reads.filter((sql) => /last_read_seq/.test(sql) && /count\(\*\)/.test(sql)).length).toBe(10);
    expect(reads.filter((sql) => /from "messages" where/.test(sql)).length).toBe(10);
  });
});
