import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConversation, registerUser, request, sendHttp } from './helpers/http.js';
import { TEST_SERVER_API_KEY } from './helpers/security.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

describe('logs carry no patient data', () => {
  let server: TestServer;
  const lines: string[] = [];

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    server = await startServer({ logDestination: destination, env: { SERVER_API_KEY: TEST_SERVER_API_KEY } });
  });
  afterAll(() => server.close());

  it('never logs message content, names, emails or tokens during a whole conversation', async () => {
    const secret = 'my HIV test came back positive';
    const patient = await registerUser(server.url, { name: 'Zebulon Quartermain' });
    const doctor = await registerUser(server.url, { name: 'Dr Xanthippe Vale', role: 'practitioner' });
    const c = await openConversation(server.url, patient, doctor);
    const socket = await TestSocket.connect(`${server.wsUrl}/ws/chat/${c.id}/`, { token: doctor.token });
    await sendHttp(server.url, patient, c.id, secret);
    await socket.next('chat_message');
    socket.send({ type: 'chat_message', content: `reply about ${secret}`, client_msg_id: 'r1' });
    await socket.next('message_sent');
    socket.send({ type: 'chat_message', content: 'x'.repeat(9000) + secret });
    await socket.next('error');
    socket.send(`{"type":"chat_message","content":"${secret}",broken`);
    await socket.next('error');
    await request(server.url, 'POST', '/api/auth/login', {
      body: { email: patient.email, password: 'wrong-password' },
    });
    await request(server.url, 'GET', `/api/conversations/${c.id}/messages?after_seq=0`, {
      token: patient.token,
    });
    await request(server.url, 'POST', '/api/conversations', {
      token: patient.token,
      rawBody: `{"participant_ids":["${secret}"`,
    });
    // The host platform's external ids are often emails; they are in the server API's paths.
    const externalId = 'jane.roe@host.example';
    const api = (method: string, path: string, body?: unknown) =>
      request(server.url, method, path, { token: TEST_SERVER_API_KEY, ...(body ? { body } : {}) });
    expect(
      (await api('PUT', `/api/server/users/${externalId}`, { name: 'Jane Roe', role: 'patient' })).status,
    ).toBe(201);
    expect((await api('POST', `/api/server/users/${encodeURIComponent(externalId)}/tokens`)).status).toBe(
      201,
    );
    await api('GET', `/api/server/nothing/${externalId}/here`);
    await socket.close();

    const output = lines.join('');
    expect(output.length).toBeGreaterThan(0); // the logger was really capturing
    for (const forbidden of [
      secret,
      'HIV',
      patient.email,
      doctor.email,
      'Zebulon',
      'Xanthippe',
      patient.token,
      doctor.token,
      'jane.roe',
      'Jane Roe',
    ]) {
      expect(output).not.toContain(forbidden);
    }
  });
});
