import { randomBytes } from 'node:crypto';
import { type AuditPage, encodeEventCursor, MAX_RESUME_CONVERSATIONS } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { createAdmin, TEST_SERVER_API_KEY } from './helpers/security.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestEventStream } from './helpers/sse.js';
import { TestSocket } from './helpers/ws.js';

const unknownIds = (n: number) =>
  Object.fromEntries(Array.from({ length: n }, () => [`cnv_${randomBytes(8).toString('hex')}`, 0]));

/** Issue 12, point 8: one frame naming thousands of ids costs one error and one audit row. */
describe.each(DIALECTS)('resume amplification on %s', (dialect) => {
  let server: TestServer;
  let admin: TestUser;

  beforeAll(async () => {
    server = await startServer({ dialect, env: { SERVER_API_KEY: TEST_SERVER_API_KEY } });
    admin = await createAdmin(server.url);
  });
  afterAll(() => server.close());

  /** The access refusals recorded for a user, after the buffered audit log has written them. */
  async function refusalsOf(user: TestUser): Promise<AuditPage['events']> {
    await new Promise((r) => setTimeout(r, 200));
    const res = await request<AuditPage>(
      server.url,
      'GET',
      `/api/admin/audit?action=access.refused&actor_id=${user.user.id}&limit=1000`,
      { token: admin.token },
    );
    expect(res.status).toBe(200);
    return res.body.events;
  }

  it('refuses a resume frame naming more conversations than the cap with one error, checking none', async () => {
    const eve = await registerUser(server.url);
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: eve.token });
    await socket.roundTrip();
    socket.send({ type: 'resume', cursors: unknownIds(MAX_RESUME_CONVERSATIONS + 400) });
    await socket.roundTrip();
    const errors = socket.all('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'invalid_request' });
    expect(socket.all('resumed')).toHaveLength(0);
    expect(await refusalsOf(eve)).toHaveLength(0);
    expect(socket.isOpen).toBe(true);
    await socket.close();
  });

  it('answers the unknown conversations of a resume with one error and one audit row with their count', async () => {
    const [eve, alice] = await Promise.all([registerUser(server.url), registerUser(server.url)]);
    const own = await openConversation(server.url, eve, alice);
    await sendHttp(server.url, alice, own.id, 'for eve');
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: eve.token });
    await socket.roundTrip();
    socket.send({ type: 'resume', cursors: { ...unknownIds(1500), [own.id]: 0 } });
    const resumed = await socket.next('resumed');
    expect(resumed.cursors).toEqual({ [own.id]: 1 });
    const errors = socket.all('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'not_participant' });
    const refusals = await refusalsOf(eve);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ code: 'not_participant', detail: { count: 1500, resume: true } });
    await socket.close();
  });

  it('does the same for an event-stream cursor', async () => {
    const [eve, alice] = await Promise.all([registerUser(server.url), registerUser(server.url)]);
    const own = await openConversation(server.url, eve, alice);
    const cursor = encodeEventCursor({ seqs: { ...unknownIds(300), [own.id]: 0 }, all: false });
    const stream = await TestEventStream.open(server.url, { bearer: eve.token, cursor });
    await stream.next('resumed');
    expect(stream.frames.filter((f) => f.type === 'error')).toHaveLength(1);
    const refusals = await refusalsOf(eve);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ detail: { count: 300, resume: true } });
    await stream.close();
  });

  it('ten full resume frames of unknown ids leave another user’s sends fast', async () => {
    const [eve, alice, bob] = await Promise.all([
      registerUser(server.url),
      registerUser(server.url),
      registerUser(server.url),
    ]);
    const c = await openConversation(server.url, alice, bob);
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: eve.token });
    await socket.roundTrip();
    for (let i = 0; i < 10; i++)
      socket.send({ type: 'resume', cursors: unknownIds(MAX_RESUME_CONVERSATIONS) });
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      expect((await sendHttp(server.url, alice, c.id, `m${i}`)).status).toBe(201);
      latencies.push(performance.now() - started);
    }
    await socket.waitForCount('resumed', 10, 30_000);
    // Generous for a shared machine; the unbounded version took seconds per send.
    expect(Math.max(...latencies)).toBeLessThan(1000);
    expect(socket.all('error')).toHaveLength(10);
    await socket.close();
  });
});
