import { performance } from 'node:perf_hooks';
import type { Conversation } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/ports/clock.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { percentile } from './helpers/security.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestEventStream } from './helpers/sse.js';
import { TestSocket } from './helpers/ws.js';

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000050001',
  'hex',
);

describe('rate limits and quotas', () => {
  describe('sign-in back-off', () => {
    let server: TestServer;
    const clock = new ManualClock(new Date('2026-03-02T09:00:00.000Z'));

    beforeAll(async () => {
      server = await startServer({ clock, env: { LOGIN_FREE_ATTEMPTS_PER_ADDRESS: '12' } });
    });
    afterAll(() => server.close());

    const attempt = (email: string, password: string) =>
      request<{ error?: { code: string; retry_after?: number } }>(server.url, 'POST', '/api/auth/login', {
        body: { email, password },
      });

    it('per account: five failures are free, then each one doubles the wait, even for the right password', async () => {
      const ivy = await registerUser(server.url);
      for (let i = 0; i < 5; i++) expect((await attempt(ivy.email, 'wrong password')).status).toBe(401);
      expect((await attempt(ivy.email, 'wrong password')).status).toBe(401);
      const blocked = await attempt(ivy.email, ivy.password);
      expect(blocked).toMatchObject({
        status: 429,
        body: { error: { code: 'rate_limited', retry_after: 1 } },
      });
      expect(blocked.headers.get('retry-after')).toBe('1');
      clock.advance(1000);
      expect((await attempt(ivy.email, 'wrong again')).status).toBe(401);
      const longer = await attempt(ivy.email, ivy.password);
      expect(longer.body.error?.retry_after).toBe(2);
      clock.advance(2000);
      expect((await attempt(ivy.email, ivy.password)).status).toBe(200);
      // A success clears the account's count.
      expect((await attempt(ivy.email, 'wrong once more')).status).toBe(401);
      expect((await attempt(ivy.email, ivy.password)).status).toBe(200);
    });

    it('per address: spraying many accounts from one address is slowed down too', async () => {
      clock.advance(2 * 3_600_000);
      for (let i = 0; i < 12; i++) {
        expect((await attempt(`sprayed-${i}@example.test`, 'guess1234')).status).toBe(401);
      }
      expect((await attempt('sprayed-x@example.test', 'guess1234')).status).toBe(401);
      const blocked = await attempt('sprayed-y@example.test', 'guess1234');
      expect(blocked).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
      clock.advance(2 * 3_600_000);
    });
  });

  describe('sends, uploads and connections', () => {
    let server: TestServer;
    let alice: TestUser;
    let bob: TestUser;
    let conversation: Conversation;

    beforeAll(async () => {
      server = await startServer({
        env: {
          SEND_RATE_PER_SECOND: '0.5',
          SEND_BURST: '3',
          UPLOADS_PER_MINUTE: '2',
          MAX_CONNECTIONS_PER_USER: '2',
          MAX_CONNECTIONS_PER_ADDRESS: '5',
        },
      });
      [alice, bob] = await Promise.all([registerUser(server.url), registerUser(server.url)]);
      conversation = await openConversation(server.url, alice, bob);
    });
    afterAll(() => server.close());

    it('limits sends per user, over HTTP and sockets alike, with retry_after; others are not affected', async () => {
      for (let i = 0; i < 3; i++)
        expect((await sendHttp(server.url, alice, conversation.id, `m${i}`)).status).toBe(201);
      const refused = await sendHttp(server.url, alice, conversation.id, 'one too many');
      expect(refused).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: alice.token });
      socket.send({
        type: 'chat_message',
        conversation_id: conversation.id,
        content: 'via ws',
        client_msg_id: 'w1',
      });
      const error = await socket.next('error');
      expect(error).toMatchObject({ code: 'rate_limited', ref: 'w1' });
      expect(error.retry_after).toBeGreaterThanOrEqual(1);
      await socket.close();
      // Bob has his own allowance.
      expect((await sendHttp(server.url, bob, conversation.id, 'hi')).status).toBe(201);
      // Nothing of the refused sends was stored.
      const history = await request<{ messages: Array<{ content: string }> }>(
        server.url,
        'GET',
        `/api/conversations/${conversation.id}/messages`,
        { token: bob.token },
      );
      expect(history.body.messages.map((m) => m.content)).toEqual(['m0', 'm1', 'm2', 'hi']);
    });

    it('limits uploads per user', async () => {
      const upload = () => {
        const form = new FormData();
        form.append('file', new Blob([PNG], { type: 'image/png' }), 'dot.png');
        return fetch(`${server.url}/api/conversations/${conversation.id}/attachments`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bob.token}` },
          body: form,
        });
      };
      expect((await upload()).status).toBe(201);
      const statuses = [(await upload()).status, (await upload()).status];
      expect(statuses).toContain(429);
    });

    it('limits open connections per user (4429 on sockets, 429 on event streams)', async () => {
      const carol = await registerUser(server.url);
      const one = await TestSocket.connect(`${server.wsUrl}/ws`, { token: carol.token });
      const two = await TestSocket.connect(`${server.wsUrl}/ws`, { token: carol.token });
      await Promise.all([one.roundTrip(), two.roundTrip()]);
      const three = await TestSocket.connect(`${server.wsUrl}/ws`, { token: carol.token });
      expect(await three.closed()).toMatchObject({ code: 4429, reason: 'rate_limited' });
      await expect(TestEventStream.open(server.url, { bearer: carol.token })).rejects.toMatchObject({
        status: 429,
      });
      await one.close();
      const again = await TestSocket.connect(`${server.wsUrl}/ws`, { token: carol.token });
      await again.roundTrip();
      await Promise.all([two.close(), again.close()]);
    });

    it('limits open connections per address', async () => {
      const users = await Promise.all([1, 2, 3].map(() => registerUser(server.url)));
      const sockets: TestSocket[] = [];
      for (const user of users) {
        for (let i = 0; i < 2; i++)
          sockets.push(await TestSocket.connect(`${server.wsUrl}/ws`, { token: user.token }));
      }
      const codes = await Promise.all(
        sockets.map(async (s) => {
          if (!s.isOpen) return (await s.closed()).code;
          await s.roundTrip();
          return 'open';
        }),
      );
      expect(codes.filter((c) => c === 'open')).toHaveLength(5);
      expect(codes).toContain(4429);
      await Promise.all(sockets.map((s) => s.close()));
    });
  });

  describe('a flood from one user', () => {
    let server: TestServer;

    beforeAll(async () => {
      // The production defaults.
      server = await startServer({ env: { SEND_RATE_PER_SECOND: '20', SEND_BURST: '60' } });
    });
    afterAll(() => server.close());

    it('leaves another user’s send latency where it was (p99)', async () => {
      const [flooder, victim, peer] = await Promise.all([
        registerUser(server.url),
        registerUser(server.url),
        registerUser(server.url),
      ]);
      const floodRoom = await openConversation(server.url, flooder, peer);
      const room = await openConversation(server.url, victim, peer);
      const victimSocket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: victim.token });
      await victimSocket.roundTrip();

      let n = 0;
      const measure = async (count: number) => {
        const latencies: number[] = [];
        for (let i = 0; i < count; i++) {
          const id = `v${n++}`;
          const started = performance.now();
          victimSocket.send({
            type: 'chat_message',
            conversation_id: room.id,
            content: 'ping',
            client_msg_id: id,
          });
          await victimSocket.next('message_sent', (f) => f.client_msg_id === id, 10_000);
          latencies.push(performance.now() - started);
          // A person's pace, roughly: the victim stays well inside their own allowance.
          await new Promise((r) => setTimeout(r, 60));
        }
        return latencies;
      };

      const before = await measure(40);
      const floodSockets = await Promise.all(
        [1, 2, 3].map(() => TestSocket.connect(`${server.wsUrl}/ws`, { token: flooder.token })),
      );
      let flooding = true;
      let floodFrames = 0;
      // Paced so that the test's own client (same process as the server) is not the bottleneck:
      // still thousands of sends a second, a hundred times the per-user allowance.
      const flood = (async () => {
        while (flooding) {
          for (const s of floodSockets) {
            for (let i = 0; i < 25; i++) {
              s.send({
                type: 'chat_message',
                conversation_id: floodRoom.id,
                content: 'spam',
                client_msg_id: `f${floodFrames++}`,
              });
            }
          }
          await new Promise((r) => setTimeout(r, 15));
        }
      })();
      const during = await measure(40);
      flooding = false;
      await flood;
      await Promise.all(floodSockets.map((s) => s.close()));

      const limited = floodSockets.flatMap((s) => s.all('error')).filter((e) => e.code === 'rate_limited');
      expect(limited.length).toBeGreaterThan(floodFrames / 2);
      const p99Before = percentile(before, 99);
      const p99During = percentile(during, 99);
      // Generous on purpose (a loaded two-core machine), yet far below what an unlimited flood costs.
      expect(p99During).toBeLessThan(Math.max(1500, p99Before * 10));
      await victimSocket.close();
    });
  });
});
