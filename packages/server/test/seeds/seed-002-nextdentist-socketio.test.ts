import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { registerUser, request, type TestUser } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
// @ts-expect-error the seed's client is JavaScript, without types
import { selectConversation, useSocket } from './clients/seed-002/useSocket.js';
import { waitFor } from './helpers/browser-page.js';

type Payload = Record<string, unknown>;
type Ack = { ok: boolean; error?: { code: string }; [key: string]: unknown };
interface Api {
  socket: import('socket.io-client').Socket;
  events: Array<{ name: string; data: Payload }>;
  createConversation(targetUserId: string): Promise<Ack>;
  joinConversation(id: string): Promise<Ack>;
  leaveConversation(id: string): Promise<Ack>;
  sendMessage(id: string, content: string): Promise<Ack>;
  startTyping(id: string): Promise<Ack>;
  stopTyping(id: string): Promise<Ack>;
  markAsDelivered(id: string, messageId: string): Promise<Ack>;
  markAsRead(id: string, messageId: string): Promise<Ack>;
}

/**
 * Seed 002's NextDentist chat (its useSocket hook and room effect, test/seeds/clients/seed-002)
 * on socket.io-client against carechat's Socket.IO door, on SQLite and PostgreSQL: "Chat with
 * Dentist" creates the conversation and reaches the dentist live, messages carry SENT /
 * DELIVERED / READ, participants their unreadCount / isMuted / isPinned / leftAt, typing and
 * receipts go over the socket, and the bare user id of the seed's handshake is nobody.
 */
describe.each(DIALECTS)('seed 002 (NextDentist Socket.IO hook) on %s', (dialect) => {
  let server: TestServer;
  const apis: Api[] = [];

  beforeAll(async () => {
    server = await startServer({ dialect });
  });
  afterAll(async () => {
    for (const api of apis) api.socket.close();
    await server?.close();
  });

  async function connect(user: TestUser): Promise<Api> {
    const api: Api = useSocket(io, server.url, { token: user.token });
    apis.push(api);
    await new Promise<void>((resolve, reject) => {
      api.socket.once('connect', () => resolve());
      api.socket.once('connect_error', reject);
    });
    return api;
  }
  const eventOf = (api: Api, name: string, match: (d: Payload) => boolean = () => true) =>
    waitFor(() => api.events.find((e) => e.name === name && match(e.data))?.data, name);

  it('chat with a dentist: created live, statuses, typing, receipts and unread counts', async () => {
    const [patient, dentist] = await Promise.all([
      registerUser(server.url, { name: 'Pat' }),
      registerUser(server.url, { name: 'Dr. Molar', role: 'practitioner' }),
    ]);
    const patientApi = await connect(patient);
    const dentistApi = await connect(dentist);

    const created = await patientApi.createConversation(dentist.user.id);
    expect(created).toMatchObject({ ok: true, created: true });
    const conversation = created.conversation as { id: string; participants: Payload[] };
    const rows = new Map(conversation.participants.map((p) => [p.userId, p]));
    expect(rows.get(patient.user.id)).toMatchObject({
      unreadCount: 0,
      isMuted: false,
      isPinned: false,
      leftAt: null,
    });
    expect(rows.get(dentist.user.id)).toMatchObject({
      unreadCount: null,
      isMuted: null,
      isPinned: null,
      leftAt: null,
    });
    // The dentist hears of it without joining anything, with their own row filled in.
    const heard = await eventOf(dentistApi, 'conversation_created');
    const theirs = (heard.conversation as { participants: Payload[] }).participants.find(
      (p) => p.userId === dentist.user.id,
    );
    expect(theirs).toMatchObject({ unreadCount: 0, isMuted: false, leftAt: null });

    // The seed's effect joins the selected conversation on both sides.
    await selectConversation(patientApi, null, conversation.id);
    await selectConversation(dentistApi, null, conversation.id);
    // Participant notifications: the patient hears the dentist come in (not their own joining).
    expect(await eventOf(patientApi, 'user_joined')).toMatchObject({
      conversationId: conversation.id,
      userId: dentist.user.id,
      sender: 'doctor',
    });
    expect(patientApi.events.filter((e) => e.name === 'user_joined')).toHaveLength(1);

    const sent = await patientApi.sendMessage(conversation.id, 'Hello, I have a toothache');
    expect(sent).toMatchObject({ ok: true, message: { status: 'SENT' } });
    const got = await eventOf(dentistApi, 'new_message');
    expect(got).toMatchObject({
      conversationId: conversation.id,
      senderId: patient.user.id,
      content: 'Hello, I have a toothache',
      status: 'SENT',
    });
    const messageId = String(got.messageId);

    // Delivered, then read, said over the socket; the patient sees the status move.
    expect(await dentistApi.markAsDelivered(conversation.id, messageId)).toMatchObject({
      ok: true,
      last_delivered_seq: 1,
    });
    expect(await eventOf(patientApi, 'delivery_receipt')).toMatchObject({
      conversationId: conversation.id,
      userId: dentist.user.id,
      status: 'DELIVERED',
    });
    expect(await dentistApi.markAsRead(conversation.id, messageId)).toMatchObject({
      ok: true,
      unreadCount: 0,
    });
    expect(await eventOf(patientApi, 'read_receipt')).toMatchObject({
      messageId,
      userId: dentist.user.id,
      status: 'READ',
    });

    // Typing.
    await dentistApi.startTyping(conversation.id);
    expect(await eventOf(patientApi, 'typing_indicator', (d) => d.isTyping === true)).toMatchObject({
      conversationId: conversation.id,
      userId: dentist.user.id,
    });
    await dentistApi.stopTyping(conversation.id);
    await eventOf(patientApi, 'typing_indicator', (d) => d.isTyping === false);

    // Unread counts on the dentist's own participant row.
    await patientApi.sendMessage(conversation.id, 'It hurts when I drink something cold');
    await patientApi.sendMessage(conversation.id, 'Can I come tomorrow?');
    const joined = await dentistApi.joinConversation(conversation.id);
    const mine = (joined.conversation as { participants: Payload[] }).participants.find(
      (p) => p.userId === dentist.user.id,
    );
    expect(mine).toMatchObject({ unreadCount: 2 });

    // A message the dentist has read shows READ in the patient's history.
    const history = await request<{ messages: Array<{ content: string; read_by: string[] }> }>(
      server.url,
      'GET',
      `/api/conversations/${conversation.id}/messages`,
      { token: patient.token },
    );
    expect(history.body.messages[0]).toMatchObject({ read_by: [dentist.user.id] });

    // Switching away: the dentist's socket stops hearing that conversation.
    await selectConversation(dentistApi, conversation.id, null);
    expect(await eventOf(patientApi, 'user_left')).toMatchObject({
      conversationId: conversation.id,
      userId: dentist.user.id,
    });
    const count = dentistApi.events.filter((e) => e.name === 'new_message').length;
    await patientApi.sendMessage(conversation.id, 'Hello?');
    await eventOf(patientApi, 'new_message', (d) => d.content === 'Hello?');
    await dentistApi.joinConversation(conversation.id);
    expect(dentistApi.events.filter((e) => e.name === 'new_message')).toHaveLength(count);
  });

  it("answers bad input on the seed's error event with carechat's code, and trusts no bare user id", async () => {
    const [patient, dentist, stranger] = await Promise.all([
      registerUser(server.url, { name: 'Pat 2' }),
      registerUser(server.url, { name: 'Dr. Crown', role: 'practitioner' }),
      registerUser(server.url, { name: 'Someone' }),
    ]);
    const patientApi = await connect(patient);
    const { conversation } = (await patientApi.createConversation(dentist.user.id)) as unknown as {
      conversation: { id: string };
    };
    const strangerApi = await connect(stranger);
    const refusals: Array<[Promise<Ack>, string]> = [
      [patientApi.sendMessage(conversation.id, undefined as unknown as string), 'invalid_request'],
      [patientApi.startTyping(undefined as unknown as string), 'invalid_request'],
      [patientApi.joinConversation(42 as unknown as string), 'invalid_request'],
      [patientApi.createConversation(''), 'invalid_request'],
      [patientApi.createConversation('usr_nobody'), 'not_found'],
      [strangerApi.sendMessage(conversation.id, 'Let me in'), 'not_participant'],
      [strangerApi.joinConversation(conversation.id), 'not_participant'],
      [strangerApi.markAsRead(conversation.id, 'msg_x'), 'not_found'],
      [strangerApi.startTyping(conversation.id), 'not_participant'],
    ];
    for (const [ack, code] of refusals) expect(await ack).toMatchObject({ ok: false, error: { code } });
    // Each refusal is also the socket's error event, with its code.
    await waitFor(
      () => (strangerApi.events.filter((e) => e.name === 'error').length >= 4 ? true : undefined),
      'error events',
    );
    expect(strangerApi.events.find((e) => e.name === 'error')?.data).toMatchObject({
      code: 'not_participant',
    });
    const history = await request<{ messages: unknown[] }>(
      server.url,
      'GET',
      `/api/conversations/${conversation.id}/messages`,
      { token: patient.token },
    );
    expect(history.body.messages).toEqual([]);

    // The seed's handshake, a bare user id: refused.
    const bare = io(server.url, { auth: { userId: patient.user.id }, forceNew: true, reconnection: false });
    const refused = await new Promise<Error>((resolve) => bare.once('connect_error', resolve));
    bare.close();
    expect(refused.message).toBe('unauthenticated');
  });
});
