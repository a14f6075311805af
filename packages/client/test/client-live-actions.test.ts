import type { Conversation, DeliveryReceiptEvent } from '@carechat/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../server/test/helpers/dialects.js';
import { openConversation, registerUser, type TestUser } from '../../server/test/helpers/http.js';
import { startServer, type TestServer } from '../../server/test/helpers/server.js';
import { RecordingClient } from './helpers/clients.js';

/** The SDK's live actions the web app uses: attachments, reactions and delivery receipts. */

// The smallest PNG: the server decides the type from these bytes.
const PNG = Uint8Array.from(
  atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='),
  (c) => c.charCodeAt(0),
);

describe.each(DIALECTS)('SDK live actions on %s', (dialect) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let conversation: Conversation;
  const clients: RecordingClient[] = [];

  function client(user: TestUser): RecordingClient {
    const c = new RecordingClient({ baseUrl: server.url, token: user.token, transports: ['websocket'] });
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    server = await startServer({ dialect });
    [alice, bob] = await Promise.all([
      registerUser(server.url, { name: 'Alice', role: 'practitioner' }),
      registerUser(server.url, { name: 'Bob' }),
    ]);
    conversation = await openConversation(server.url, alice, bob);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await server.close();
  });

  it('uploads a file and sends it with a message', async () => {
    const a = client(alice);
    const b = client(bob);
    await Promise.all([a.client.conversations(), b.client.conversations()]);
    const attachment = await a.client.uploadAttachment(conversation.id, new Blob([PNG]), 'dot.png');
    expect(attachment).toMatchObject({ name: 'dot.png', content_type: 'image/png', size: PNG.length });
    const sent = await a.client.send(conversation.id, '', { attachments: [attachment.id] });
    expect(sent.attachments).toEqual([attachment]);
    await b.until(
      () => b.in(conversation.id).some((m) => m.message_id === sent.message_id),
      'the attachment',
    );
    expect(b.in(conversation.id).at(-1)?.attachments).toEqual([attachment]);
  });

  it('keeps held messages’ reactions current, with `mine` as each viewer sees it', async () => {
    const a = client(alice);
    const b = client(bob);
    await Promise.all([a.client.conversations(), b.client.conversations()]);
    const sent = await a.client.send(conversation.id, 'react to me');
    await b.until(() => b.in(conversation.id).some((m) => m.message_id === sent.message_id), 'the message');
    const held = (c: RecordingClient) =>
      c.client.conversation(conversation.id).messages.find((m) => m.message_id === sent.message_id);

    await b.client.addReaction(sent.message_id, '👍');
    await a.until(() => held(a)?.reactions.length === 1, 'the reaction on the sender');
    await b.until(() => held(b)?.reactions.length === 1, 'the reaction on the reactor');
    expect(held(a)?.reactions).toEqual([{ emoji: '👍', count: 1, mine: false }]);
    expect(held(b)?.reactions).toEqual([{ emoji: '👍', count: 1, mine: true }]);

    await b.client.removeReaction(sent.message_id, '👍');
    await a.until(() => held(a)?.reactions.length === 0, 'the reaction gone');
  });

  it('tells the sender when the other side has received their messages', async () => {
    const a = client(alice);
    const b = client(bob);
    await Promise.all([a.client.conversations(), b.client.conversations()]);
    const sent = await a.client.send(conversation.id, 'did this arrive?');
    const receipt = new Promise<DeliveryReceiptEvent>((resolve) => {
      a.client.on('delivery_receipt', (r) => {
        if (r.seq >= sent.seq) resolve(r);
      });
    });
    await b.until(() => b.in(conversation.id).some((m) => m.message_id === sent.message_id), 'the message');
    b.client.markDelivered(conversation.id, sent.seq);
    expect(await receipt).toMatchObject({ conversation_id: conversation.id, user_id: bob.user.id });
    const { body } = await a.client.api.request<{ conversation: Conversation }>(
      'GET',
      `/api/conversations/${conversation.id}`,
    );
    const marker = body.conversation.participants.find((p) => p.user.id === bob.user.id);
    expect(marker?.last_delivered_seq).toBeGreaterThanOrEqual(sent.seq);
  });
});
