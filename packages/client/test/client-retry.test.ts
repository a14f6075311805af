import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CarechatClient } from '../src/client.js';
import { ManualNetwork } from '../src/platform.js';
import { ManualTimers, settle } from './helpers/manual-timers.js';
import { ScriptedSocket } from './helpers/scripted-socket.js';

/** A send refused for good stays failed until the app retries it: then it goes out at once, same id. */
describe('client.retry (scripted socket)', () => {
  let client: CarechatClient;

  beforeEach(() => {
    ScriptedSocket.reset();
    client = new CarechatClient({
      baseUrl: 'http://carechat.test',
      token: 'token-1',
      transports: ['websocket'],
      WebSocket: ScriptedSocket,
      fetch: async () => {
        throw new Error('no HTTP in this test');
      },
      timers: new ManualTimers(),
      network: new ManualNetwork(true),
    });
  });
  afterEach(() => client.close());

  it('sends a failed message again with its client_msg_id, and sends attachments by reference', async () => {
    await settle();
    const socket = ScriptedSocket.last;
    socket.open();
    const first = client.send('c1', 'hello', { clientMsgId: 'k1', attachments: ['att_1'] });
    first.catch(() => {});
    expect(socket.sentOfType('chat_message')).toEqual([
      {
        type: 'chat_message',
        conversation_id: 'c1',
        content: 'hello',
        client_msg_id: 'k1',
        attachments: [{ id: 'att_1' }],
      },
    ]);
    socket.receive({ type: 'error', code: 'outside_schedule', message: 'Outside the schedule.', ref: 'k1' });
    await expect(first).rejects.toMatchObject({ code: 'outside_schedule' });
    expect(client.outbox.get('k1')?.status).toBe('failed');

    const again = client.retry('k1');
    expect(socket.sentOfType('chat_message')).toHaveLength(2);
    expect(socket.sentOfType('chat_message')[1]).toMatchObject({ client_msg_id: 'k1', content: 'hello' });
    socket.receive({
      type: 'message_sent',
      message_id: 'm1',
      conversation_id: 'c1',
      seq: 1,
      sender_id: 'me',
      sender_name: 'Me',
      content: 'hello',
      client_msg_id: 'k1',
      reply_to: null,
      reply_preview: null,
      attachments: [{ id: 'att_1', name: 'a.png', content_type: 'image/png', size: 1 }],
      timestamp: '2026-01-05T10:00:00.000Z',
      is_edited: false,
      is_deleted: false,
      delivered_to: [],
      read_by: [],
      reactions: [],
    });
    await expect(again).resolves.toMatchObject({ message_id: 'm1' });
    expect(client.outbox.size).toBe(0);
  });
});
