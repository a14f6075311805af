import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DIALECTS } from '../helpers/dialects.js';
import { request } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
// @ts-expect-error the seed's client is JavaScript, without types
import { chatWindowHandler, sidebarHandler } from './clients/seed-001/handlers.js';
import { waitFor } from './helpers/browser-page.js';
import { HostSite } from './helpers/host-site.js';

const KEY = 'server-api-key-for-the-seed-001-suite-0123456789';
type Payload = Record<string, unknown>;

/** The browser's Notification, as the seed's sidebar uses it: permission granted, each one kept. */
function notifications() {
  const shown: Array<{ title: string; body: string; tag: string }> = [];
  class Notification {
    static permission = 'granted';
    constructor(title: string, options: { body: string; tag: string }) {
      shown.push({ title, body: options.body, tag: options.tag });
    }
  }
  return { Notification, shown };
}

/**
 * One signed-in user of seed 001's React app: its per-user socket feeding the seed's own Sidebar
 * and ChatWindow handlers (test/seeds/clients/seed-001), with the state those components keep.
 */
async function openApp(
  server: TestServer,
  user: { username: string; token: string },
  selectedChatId?: string,
) {
  const { Notification, shown } = notifications();
  const state = { conversationLoads: 0, messages: [] as Payload[], refreshes: 0 };
  const sidebar = sidebarHandler({
    user,
    loadConversations: () => {
      state.conversationLoads += 1;
    },
    Notification,
  });
  const selected = { current: selectedChatId };
  const windowHandler = () =>
    chatWindowHandler({
      user,
      selectedChat: selected.current ? { id: selected.current } : null,
      onMessageSent: () => {
        state.refreshes += 1;
      },
      setMessages: (update: (prev: Payload[]) => Payload[]) => {
        state.messages = update(state.messages);
      },
      messagesEndRef: { current: null },
    });
  const socket = new WebSocket(`${server.wsUrl}/ws/chat/?token=${user.token}`);
  const frames: Payload[] = [];
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Payload;
    frames.push(frame);
    sidebar(frame);
    windowHandler()(frame);
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { socket, frames, state, shown, select: (id: string) => (selected.current = id) };
}

/**
 * Seed 001's chat (Django Channels, a per-user socket, a React sidebar and chat window) against
 * carechat on SQLite and PostgreSQL: search a user, message them in one call (send_message_new),
 * and the receiver's sidebar and window update live from the frames the seed's consumer sent —
 * usernames, `message`, Unix `timestamp`, `is_new_conversation`, the refresh naming the sender.
 */
describe.each(DIALECTS)('seed 001 (Channels sidebar, per-user socket) on %s', (dialect) => {
  let server: TestServer;
  let host: HostSite;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    server = await startServer({ dialect, env: { SERVER_API_KEY: KEY } });
    host = new HostSite(server.url, KEY);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await server?.close();
  });

  /** The Django site pushes its users under their usernames and mints their tokens. */
  async function djangoUser(username: string, name: string) {
    const user = await host.user(username, name, 'patient');
    return { ...user, username, token: (await host.tokenFor(username)).access_token };
  }

  it('search, message in one call, and the receiver sees it live without a refresh', async () => {
    const suffix = dialect;
    const sishir = await djangoUser(`sishirbhusal-${suffix}`, 'Sishir Bhusal');
    const purna = await djangoUser(`purnaacharya-${suffix}`, 'Purna Acharya');
    const receiver = await openApp(server, purna);
    const sender = await openApp(server, sishir);
    sockets.push(receiver.socket, sender.socket);

    const found = await request<Payload[]>(server.url, 'GET', '/api/users/search/?q=Purna', {
      token: sishir.token,
    });
    expect(found.status).toBe(200);
    expect(found.body).toEqual([
      expect.objectContaining({ username: purna.username, full_name: 'Purna Acharya' }),
    ]);

    const sent = await request<Payload>(server.url, 'POST', '/api/send-message-new/', {
      token: sishir.token,
      body: { receiver: purna.username, content: 'Hi Purna, are you free tomorrow?' },
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ success: true, is_new_conversation: true });
    const conversationId = String(sent.body.conversation_id);

    // The receiver's frames, as the seed's consumer sent them.
    const message = await waitFor(
      () => receiver.frames.find((f) => f.type === 'chat_message'),
      'chat_message',
    );
    expect(message).toMatchObject({
      message: 'Hi Purna, are you free tomorrow?',
      sender: sishir.username,
      receiver: purna.username,
      conversation_id: conversationId,
      is_new_conversation: true,
      sender_full_name: 'Sishir Bhusal',
      sender_email: '',
      receiver_full_name: 'Purna Acharya',
      receiver_email: '',
    });
    expect(Number.isInteger(message.timestamp)).toBe(true);
    expect(Math.abs(Number(message.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    const refresh = await waitFor(
      () => receiver.frames.find((f) => f.type === 'conversation_refresh'),
      'refresh',
    );
    expect(refresh).toMatchObject({
      conversation_id: conversationId,
      sender: sishir.username,
      sender_full_name: 'Sishir Bhusal',
    });
    expect(receiver.frames.filter((f) => f.type === 'conversation_refresh')).toHaveLength(1);

    // What the seed's sidebar did with them: notified, and reloaded the list.
    await waitFor(() => (receiver.shown.length === 2 ? true : undefined), 'notifications');
    expect(receiver.shown.map((n) => n.title).sort()).toEqual([
      'New conversation from Sishir Bhusal',
      'New message from Sishir Bhusal',
    ]);
    expect(receiver.shown.find((n) => n.title.startsWith('New message'))?.body).toBe(
      'Hi Purna, are you free tomorrow?',
    );
    expect(receiver.state.conversationLoads).toBe(2);
    // The sender's sidebar reloads on message_sent.
    await waitFor(() => (sender.state.conversationLoads === 1 ? true : undefined), "the sender's sidebar");
    expect(sender.frames.find((f) => f.type === 'message_sent')).toMatchObject({
      sender: sishir.username,
      receiver: purna.username,
    });

    // With the conversation open, the seed's chat window appends the next message.
    receiver.select(conversationId);
    await request(server.url, 'POST', '/api/send-message-new/', {
      token: sishir.token,
      body: { receiver: purna.username, content: 'Say 10:00?' },
    });
    await waitFor(() => receiver.state.messages[0], 'the chat window');
    expect(receiver.state.messages[0]).toMatchObject({
      content: 'Say 10:00?',
      sender: sishir.username,
      sender_full_name: 'Sishir Bhusal',
    });
    expect(Number.isNaN(Date.parse(String(receiver.state.messages[0]!.timestamp)))).toBe(false);
    // No second "new conversation".
    expect(receiver.frames.filter((f) => f.type === 'conversation_refresh')).toHaveLength(1);
  });

  it("refuses bad input in the seed's shape with carechat's code, storing nothing", async () => {
    const alone = await djangoUser(`alone-${dialect}`, 'Alone');
    const post = (body: unknown, token: string | undefined = alone.token) =>
      request<Payload>(server.url, 'POST', '/api/send-message-new/', { ...(token ? { token } : {}), body });
    expect(await post({ receiver: 'nobody-here', content: 'Hi' })).toMatchObject({
      status: 404,
      body: { success: false, code: 'not_found' },
    });
    expect(await post({ content: 'to whom?' })).toMatchObject({
      status: 400,
      body: { code: 'invalid_request' },
    });
    expect(await post({ receiver: alone.username })).toMatchObject({
      status: 400,
      body: { code: 'invalid_request' },
    });
    expect(await post({ receiver: alone.username, content: 5 })).toMatchObject({ status: 400 });
    expect(await post({ receiver: alone.username, content: 'me, myself' })).toMatchObject({
      status: 400,
      body: { success: false, code: 'invalid_request' },
    });
    expect(await post({ receiver: alone.username, content: 'x' }, 'not-a-token')).toMatchObject({
      status: 401,
      body: { success: false, code: 'unauthenticated' },
    });
    expect(await request(server.url, 'GET', '/api/users/search/', { token: alone.token })).toMatchObject({
      status: 400,
      body: { code: 'invalid_request' },
    });
    const mine = await request<{ conversations: unknown[] }>(server.url, 'GET', '/api/conversations', {
      token: alone.token,
    });
    expect(mine.body.conversations).toEqual([]);
  });
});
