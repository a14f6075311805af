import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

describe('typing indicators and presence', () => {
  let server: TestServer;
  let sockets: TestSocket[] = [];
  const connect = async (user: TestUser, path = '/ws', options: { autoPong?: boolean } = {}) => {
    const socket = await TestSocket.connect(`${server.wsUrl}${path}`, { token: user.token, ...options });
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    server = await startServer({
      // 300 ms, not less: a test process slowed by the suites beside it missed a 150 ms ping and had
      // its socket closed as unresponsive (its typing never reached the other side).
      env: { TYPING_TTL_MS: '400', PRESENCE_GRACE_MS: '300', HEARTBEAT_MS: '300' },
    });
  });
  afterEach(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    sockets = [];
  });
  afterAll(() => server.close());

  async function pair() {
    const [a, b] = await Promise.all([
      registerUser(server.url, { name: 'Ada', role: 'practitioner' }),
      registerUser(server.url, { name: 'Ben' }),
    ]);
    const c = await openConversation(server.url, a, b);
    return { a, b, c };
  }

  it('relays typing to the other participants only, never to the typer’s own devices', async () => {
    const { a, b, c } = await pair();
    const stranger = await registerUser(server.url);
    const [aTab1, aTab2, bPhone, strangerSocket] = await Promise.all([
      connect(a),
      connect(a),
      connect(b),
      connect(stranger),
    ]);
    aTab1.send({ type: 'typing_indicator', conversation_id: c.id, is_typing: true });
    const seen = await bPhone.next('typing_indicator');
    expect(seen).toMatchObject({
      conversation_id: c.id,
      user_id: a.user.id,
      username: 'Ada',
      is_typing: true,
      expires_in_ms: 400,
    });
    await aTab2.roundTrip();
    await strangerSocket.roundTrip();
    expect(aTab2.all('typing_indicator')).toHaveLength(0);
    expect(aTab1.all('typing_indicator')).toHaveLength(0);
    expect(strangerSocket.all('typing_indicator')).toHaveLength(0);
  });

  it('an indicator that is not refreshed comes down by itself', async () => {
    const { a, b, c } = await pair();
    const [aSocket, bSocket] = await Promise.all([connect(a), connect(b)]);
    aSocket.send({ type: 'typing_indicator', conversation_id: c.id, is_typing: true });
    await bSocket.next('typing_indicator', (f) => f.is_typing);
    const started = Date.now();
    await bSocket.next('typing_indicator', (f) => !f.is_typing, 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('closing the typing tab, or sending the message, takes the indicator down at once', async () => {
    const { a, b, c } = await pair();
    const [aSocket, bSocket] = await Promise.all([connect(a), connect(b)]);
    aSocket.send({ type: 'typing_indicator', conversation_id: c.id, is_typing: true });
    await bSocket.next('typing_indicator', (f) => f.is_typing);
    await aSocket.close();
    await bSocket.next('typing_indicator', (f) => !f.is_typing, 300);

    const again = await connect(a);
    again.send({ type: 'typing_indicator', conversation_id: c.id, is_typing: true });
    await bSocket.next('typing_indicator', (f) => f.is_typing);
    again.send({ type: 'chat_message', conversation_id: c.id, content: 'done typing', client_msg_id: 't-1' });
    await bSocket.next('chat_message');
    await bSocket.next('typing_indicator', (f) => !f.is_typing, 300);
  });

  it('typing is rate-limited per connection', async () => {
    const { a, b, c } = await pair();
    const [aSocket] = await Promise.all([connect(a), connect(b)]);
    for (let i = 0; i < 20; i++)
      aSocket.send({ type: 'typing_indicator', conversation_id: c.id, is_typing: true });
    expect(await aSocket.next('error')).toMatchObject({ code: 'rate_limited' });
    expect(aSocket.isOpen).toBe(true);
  });

  it('tells only people who share a conversation when a user comes online and goes offline', async () => {
    const { a, b } = await pair();
    const stranger = await registerUser(server.url);
    const [bSocket, strangerSocket] = await Promise.all([connect(b), connect(stranger)]);
    const aSocket = await connect(a);
    expect(await bSocket.next('user_status')).toMatchObject({
      user_id: a.user.id,
      status: 'online',
      username: 'Ada',
    });
    await aSocket.close();
    const offline = await bSocket.next('user_status', (f) => f.status === 'offline', 3000);
    expect(offline.user_id).toBe(a.user.id);
    expect(offline.last_seen_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    await strangerSocket.roundTrip();
    expect(strangerSocket.all('user_status')).toHaveLength(0);
  });

  it('is offline only when the last device is gone, and a quick reconnect does not flap', async () => {
    const { a, b, c } = await pair();
    const bSocket = await connect(b);
    const [aPhone, aLaptop] = await Promise.all([connect(a), connect(a)]);
    await bSocket.next('user_status', (f) => f.status === 'online');
    await aPhone.close();
    await aLaptop.close();
    const back = await connect(a); // within the grace period
    await new Promise((r) => setTimeout(r, 600));
    await bSocket.roundTrip();
    expect(bSocket.all('user_status').map((f) => f.status)).toEqual(['online']);
    const list = await request<{
      conversations: Array<{ id: string; participants: Array<{ user: { id: string }; online: boolean }> }>;
    }>(server.url, 'GET', '/api/conversations', { token: b.token });
    const ada = list.body.conversations
      .find((x) => x.id === c.id)
      ?.participants.find((p) => p.user.id === a.user.id);
    expect(ada?.online).toBe(true);
    await back.close();
  });

  it('a half-open connection is detected by heartbeats and counted offline', async () => {
    const { a, b } = await pair();
    const bSocket = await connect(b);
    const silent = await connect(a, '/ws', { autoPong: false });
    await bSocket.next('user_status', (f) => f.status === 'online');
    expect((await silent.closed()).code).toBe(1006);
    await bSocket.next('user_status', (f) => f.status === 'offline', 3000);
  });

  it('typing over HTTP reaches sockets too', async () => {
    const { a, b, c } = await pair();
    const bSocket = await connect(b);
    const res = await request(server.url, 'POST', `/api/conversations/${c.id}/typing`, {
      token: a.token,
      body: { is_typing: true },
    });
    expect(res.status).toBe(204);
    expect(await bSocket.next('typing_indicator')).toMatchObject({ user_id: a.user.id, is_typing: true });
    await sendHttp(server.url, a, c.id, 'sent');
  });
});
