import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLOSE_CODES } from '@carechat/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/open-store.js';
import { type NodeProcess, spawnNode } from './helpers/cluster.js';
import { openConversation, registerUser, request } from './helpers/http.js';
import { TestSocket } from './helpers/ws.js';

/**
 * SIGTERM on a real server process: it stops accepting, finishes the sends it has received
 * (commit and acknowledgement), closes sockets with 1012 so clients move elsewhere at once, and
 * exits by itself well within 10 s.
 */
describe('graceful shutdown on SIGTERM', () => {
  let node: NodeProcess | undefined;
  afterEach(() => node?.kill('SIGKILL'));

  it('answers every send it received, closes sockets with 1012 and exits 0 within 10 s', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'carechat-shutdown-'));
    const databaseUrl = `sqlite:${join(dataDir, 'carechat.db')}`;
    node = await spawnNode('shutdown', { DATABASE_URL: databaseUrl });
    const [alice, bob] = await Promise.all([
      registerUser(node.url, { name: 'Alice', role: 'practitioner' }),
      registerUser(node.url, { name: 'Bob' }),
    ]);
    const conversation = await openConversation(node.url, alice, bob);
    const socket = await TestSocket.connect(`${node.wsUrl}/ws`, { token: alice.token });
    await socket.roundTrip();

    const total = 300;
    for (let i = 0; i < total; i++) {
      socket.send({
        type: 'chat_message',
        conversation_id: conversation.id,
        client_msg_id: `s-${i}`,
        content: `m${i}`,
      });
    }
    await socket.next('message_sent');
    const signalledAt = Date.now();
    node.kill('SIGTERM');

    const closed = await socket.closed();
    expect(closed.code).toBe(CLOSE_CODES.serviceRestart);
    const exit = await node.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);

    // Every message committed was acknowledged before the socket closed, and the other way round.
    const acked = socket.frames.filter((f) => f.type === 'message_sent').map((f) => f.client_msg_id);
    const store = await openStore({ url: databaseUrl });
    try {
      const stored = await store.listMessagesAfter(conversation.id, 0, 1000);
      expect(stored.map((m) => m.clientMsgId).sort()).toEqual([...acked].sort());
      expect(stored.length).toBe(total);
    } finally {
      await store.close();
    }
    await expect(request(node.url, 'GET', '/healthz')).rejects.toThrow();
  }, 40_000);
});
