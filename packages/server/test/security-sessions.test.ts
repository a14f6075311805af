import type { Conversation } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus/memory-bus.js';
import { ManualClock } from '../src/core/ports/clock.js';
import { createTestStore, DIALECTS, type TestStore } from './helpers/dialects.js';
import { openConversation, registerUser, request, type TestUser } from './helpers/http.js';
import { login, rawRequest } from './helpers/security.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocketIo } from './helpers/socketio.js';
import { TestEventStream } from './helpers/sse.js';
import { TestSocket } from './helpers/ws.js';

describe.each(DIALECTS)('sessions on %s', (dialect) => {
  describe('revocation reaches every door', () => {
    let server: TestServer;
    let alice: TestUser;
    let bob: TestUser;
    let conversation: Conversation;

    beforeAll(async () => {
      server = await startServer({ dialect, env: { SESSION_CHECK_SECONDS: '1' } });
      [alice, bob] = await Promise.all([
        registerUser(server.url, { name: 'Alice', role: 'practitioner' }),
        registerUser(server.url, { name: 'Bob' }),
      ]);
      conversation = await openConversation(server.url, alice, bob);
    });
    afterAll(() => server.close());

    it('log out everywhere closes WebSockets (4401), ends event streams, answers polls and disconnects Socket.IO, within seconds', async () => {
      const second = await login(server.url, bob);
      const ws = await TestSocket.connect(`${server.wsUrl}/ws`, { token: bob.token });
      const chat = await TestSocket.connect(`${server.wsUrl}/ws/chat/${conversation.id}/`, {
        token: second.token,
      });
      const stream = await TestEventStream.open(server.url, { bearer: second.token });
      await stream.next('resumed');
      const sio = await TestSocketIo.connect(server.url, 'websocket', { token: bob.token });
      const sioClosed = new Promise<void>((resolve) => sio.socket.on('disconnect', () => resolve()));
      await Promise.all([ws.roundTrip(), chat.roundTrip()]);
      const poll = request<{ events: Array<{ type: string }> }>(
        server.url,
        'GET',
        '/api/events?timeout_ms=20000',
        {
          token: second.token,
        },
      );
      // The poll is waiting before the logout is sent.
      await new Promise((r) => setTimeout(r, 200));

      const started = Date.now();
      const out = await request(server.url, 'POST', '/api/auth/logout-all', { token: bob.token });
      expect(out.status).toBe(204);

      expect((await ws.closed()).code).toBe(4401);
      expect((await chat.closed()).code).toBe(4401);
      await stream.ended();
      await sioClosed;
      const answered = await poll;
      expect(answered.body.events.map((e) => e.type)).toContain('session_revoked');
      expect(Date.now() - started).toBeLessThan(3000);
      expect(ws.all('session_revoked')[0]).toMatchObject({ reason: 'logout_all' });

      for (const token of [bob.token, second.token]) {
        expect((await request(server.url, 'GET', '/api/me', { token })).status).toBe(401);
      }
      for (const refreshToken of [bob.refreshToken, second.refreshToken]) {
        const res = await request(server.url, 'POST', '/api/auth/refresh', {
          body: { refresh_token: refreshToken },
        });
        expect(res.status).toBe(401);
      }
      const again = await TestSocket.connect(`${server.wsUrl}/ws`, { token: bob.token });
      expect((await again.closed()).code).toBe(4401);
      sio.close();
    });

    it('logout ends that session only: the other session’s socket stays open', async () => {
      const carol = await registerUser(server.url);
      const other = await login(server.url, carol);
      const mine = await TestSocket.connect(`${server.wsUrl}/ws`, { token: carol.token });
      const theirs = await TestSocket.connect(`${server.wsUrl}/ws`, { token: other.token });
      await Promise.all([mine.roundTrip(), theirs.roundTrip()]);
      expect((await request(server.url, 'POST', '/api/auth/logout', { token: carol.token })).status).toBe(
        204,
      );
      expect((await mine.closed()).code).toBe(4401);
      await theirs.roundTrip();
      expect(theirs.isOpen).toBe(true);
      expect((await request(server.url, 'GET', '/api/me', { token: other.token })).status).toBe(200);
      await theirs.close();
    });

    it('a revocation the bus never carried still closes sockets (the periodic check)', async () => {
      const dave = await registerUser(server.url);
      const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: dave.token });
      await socket.roundTrip();
      // Revoked behind the server's back, as if another node's bus message were lost.
      const { securityStoreFor } = await import('../src/store/security-kysely-store.js');
      const security = securityStoreFor(server.store);
      const families = await security.revokeUserSessions(dave.user.id, new Date().toISOString(), 'logout');
      expect(families).toHaveLength(1);
      expect((await socket.closed()).code).toBe(4401);
    });
  });

  describe('across nodes', () => {
    let shared: TestStore;
    let bus: MemoryBus;
    let one: TestServer;
    let two: TestServer;

    beforeAll(async () => {
      shared = await createTestStore(dialect);
      bus = new MemoryBus();
      // The periodic check is off: only the bus can carry the revocation here.
      const env = { SESSION_CHECK_SECONDS: '0' };
      one = await startServer({ dialect, shared: { store: shared, bus }, env });
      two = await startServer({ dialect, shared: { store: shared, bus }, env });
    });
    afterAll(async () => {
      await one.close();
      await two.close();
      await bus.close();
      await shared.dispose();
    });

    it('a logout on one node closes the session’s sockets on another at once', async () => {
      const erin = await registerUser(one.url);
      const socket = await TestSocket.connect(`${two.wsUrl}/ws`, { token: erin.token });
      await socket.roundTrip();
      // Node two has the session cached as live; the bus tells it otherwise.
      expect((await request(two.url, 'GET', '/api/me', { token: erin.token })).status).toBe(200);
      expect((await request(one.url, 'POST', '/api/auth/logout', { token: erin.token })).status).toBe(204);
      expect((await socket.closed()).code).toBe(4401);
      expect((await request(two.url, 'GET', '/api/me', { token: erin.token })).status).toBe(401);
    });
  });

  describe('inactivity and refresh tokens', () => {
    let server: TestServer;
    const clock = new ManualClock(new Date('2026-03-02T09:00:00.000Z'));

    beforeAll(async () => {
      server = await startServer({
        dialect,
        clock,
        env: { SESSION_IDLE_MINUTES: '15', ACCESS_TOKEN_TTL_SECONDS: '7200', SESSION_CHECK_SECONDS: '0' },
      });
    });
    afterAll(() => server.close());

    it('ends a session unused for 15 minutes on its next use; use keeps it alive', async () => {
      const frank = await registerUser(server.url);
      expect(frank.token).toBeTruthy();
      const auth = await rawRequest<{ idle_timeout_seconds: number }>(server.url, 'POST', '/api/auth/login', {
        body: { email: frank.email, password: frank.password },
      });
      expect(auth.body.idle_timeout_seconds).toBe(900);
      for (let i = 0; i < 3; i++) {
        clock.advance(14 * 60_000);
        expect((await request(server.url, 'GET', '/api/me', { token: frank.token })).status).toBe(200);
      }
      clock.advance(15 * 60_000 + 1000);
      const idle = await request(server.url, 'GET', '/api/me', { token: frank.token });
      expect(idle).toMatchObject({ status: 401, body: { error: { code: 'unauthenticated' } } });
      // Ended, not paused: coming back does not revive it, and neither does its refresh token.
      const refresh = await request(server.url, 'POST', '/api/auth/refresh', {
        body: { refresh_token: frank.refreshToken },
      });
      expect(refresh.status).toBe(401);
      await server.app.core.audit.flush();
    });

    it('an idle session’s refresh is refused, and an open socket is closed on its next frame', async () => {
      const gail = await registerUser(server.url);
      const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: gail.token });
      await socket.roundTrip();
      clock.advance(16 * 60_000);
      socket.send({ type: 'read_receipt', conversation_id: 'cnv_none', seq: 1 });
      expect((await socket.closed()).code).toBe(4401);
      const refresh = await request(server.url, 'POST', '/api/auth/refresh', {
        body: { refresh_token: gail.refreshToken },
      });
      expect(refresh.status).toBe(401);
    });

    it('records reuse of a retired refresh token and revokes its family', async () => {
      const hope = await registerUser(server.url);
      const first = await request<{ refresh_token: string; access_token: string }>(
        server.url,
        'POST',
        '/api/auth/refresh',
        { body: { refresh_token: hope.refreshToken } },
      );
      const second = await request<{ refresh_token: string }>(server.url, 'POST', '/api/auth/refresh', {
        body: { refresh_token: first.body.refresh_token },
      });
      expect(second.status).toBe(200);
      clock.advance(31_000);
      // The token of two generations ago: reuse, whatever the grace.
      const reused = await request(server.url, 'POST', '/api/auth/refresh', {
        body: { refresh_token: hope.refreshToken },
      });
      expect(reused.status).toBe(401);
      expect((await request(server.url, 'GET', '/api/me', { token: first.body.access_token })).status).toBe(
        401,
      );
      await server.app.core.audit.flush();
      const { securityStoreFor } = await import('../src/store/security-kysely-store.js');
      const events = await securityStoreFor(server.store).queryAuditEvents(
        { actorId: hope.user.id, actions: ['auth.refresh_reuse'] },
        10,
      );
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ outcome: 'refused', door: 'http' });
    });
  });
});
