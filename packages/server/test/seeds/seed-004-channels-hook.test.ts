import type { Message } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { TestSocket } from '../helpers/ws.js';
import { openPage, typeInto, waitFor } from './helpers/browser-page.js';
import { TcpLink } from './helpers/tcp-link.js';

/**
 * Seed 004's React code, as the seed shows it (test/seeds/clients/seed-004: `useWebSocket`,
 * `useConversation` and the `Chat` component, with the one missing React import added), rendered
 * by React in a jsdom page against a real server: history through `results`/`created_at`, live
 * frames both ways, typing, read receipts, edits, and a reconnect with the hook's own backoff that
 * loses nothing and shows nothing twice.
 */

type Page = ReturnType<typeof openPage>;

/** One page of the seed's web app, signed in as `user`, showing one conversation. */
async function mountChat(
  page: Page,
  user: TestUser,
  conversationId: string,
  wsBase: string,
  /** `Chat` (the hook-based component) or `ChatComponent` (the README's first example). */
  component: 'Chat' | 'ChatComponent' = 'Chat',
) {
  process.env.NEXT_PUBLIC_WS_BASE_URL = wsBase;
  (globalThis as Record<string, unknown>).__seedAuth = { user: user.user, token: user.token };
  const { createElement } = await import('react');
  const { createRoot } = await import('react-dom/client');
  const { default: Chat } =
    component === 'Chat'
      ? // @ts-expect-error the seed's code is JavaScript (JSX), without types
        await import('./clients/seed-004/components/Chat.jsx')
      : // @ts-expect-error the seed's code is JavaScript (JSX), without types
        await import('./clients/seed-004/components/ChatComponent.jsx');
  const container = page.window.document.createElement('div');
  page.window.document.body.append(container);
  const root = createRoot(container);
  root.render(createElement(Chat, { conversationId }));
  return {
    container,
    /** The message bubbles as the page shows them: sender, content, edited, read. */
    bubbles: () =>
      [...container.querySelectorAll('.message')].map((el) => ({
        content: el.querySelector('.message-content')?.textContent ?? '',
        edited: el.querySelector('.edited-indicator') !== null,
        read: el.querySelector('.read-indicator') !== null,
      })),
    /** The status indicator's state class: `connected`, `disconnected` or `error`. */
    status: () =>
      [...(container.querySelector('.status-indicator')?.classList ?? [])].find(
        (c) => c !== 'status-indicator',
      ) ?? '',
    typing: () => container.querySelector('.typing-indicator')?.textContent ?? '',
    unmount: () => root.unmount(),
  };
}

describe.each(DIALECTS)('seed 004 (Django Channels hook) on %s', (dialect) => {
  let server: TestServer;
  let link: TcpLink;
  let page: Page;
  let doctor: TestUser;
  let patient: TestUser;

  beforeAll(async () => {
    // A short heartbeat: the server learns quickly what the page holds (decision 1301); not so
    // short that a page on a busy test machine misses it and is closed as unresponsive.
    server = await startServer({ dialect, env: { HEARTBEAT_MS: '300' } });
    link = await TcpLink.open(Number(new URL(server.url).port));
    page = openPage(`${link.url}/chat`);
    [doctor, patient] = await Promise.all([
      registerUser(server.url, { name: 'Dr Okafor', role: 'practitioner' }),
      registerUser(server.url, { name: 'Sam' }),
    ]);
  });
  afterAll(async () => {
    page?.close();
    await link?.close();
    await server?.close();
  });

  it('shows history, live messages both ways, typing, read receipts and edits', async () => {
    const conversation = await openConversation(server.url, doctor, patient);
    for (const text of ['first', 'second', 'third'])
      await sendHttp(server.url, doctor, conversation.id, text);
    const doctorSocket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: doctor.token });
    const chat = await mountChat(page, patient, conversation.id, link.url.replace(/^http/, 'ws'));
    try {
      // History comes through `results`, in created_at order.
      await waitFor(() => (chat.bubbles().length === 3 ? true : undefined), 'the history');
      expect(chat.bubbles().map((b) => b.content)).toEqual(['first', 'second', 'third']);
      await waitFor(() => (chat.status() === 'connected' ? true : undefined), 'connected');

      // Live from the doctor.
      doctorSocket.send({
        type: 'chat_message',
        conversation_id: conversation.id,
        client_msg_id: 'd-4',
        content: 'fourth',
      });
      await waitFor(() => (chat.bubbles().length === 4 ? true : undefined), 'the live message');
      expect(chat.bubbles()[3]!.content).toBe('fourth');
      // The Chat component marks the doctor's messages read (by message_id, on a connected
      // socket, whenever its list changes): the doctor hears it.
      const read = await doctorSocket.next(
        'read_receipt',
        (f) => f.user_id === patient.user.id && f.seq === 4,
      );
      expect(read.conversation_id).toBe(conversation.id);

      // The patient types and sends with the seed's input and button.
      const input = chat.container.querySelector('input') as HTMLInputElement;
      typeInto(input, 'Much better, thanks');
      const typing = await doctorSocket.next('typing_indicator', (f) => f.user_id === patient.user.id);
      expect(typing.is_typing).toBe(true);
      (chat.container.querySelector('.message-input button') as HTMLButtonElement).click();
      const got = await doctorSocket.next('chat_message', (f) => f.sender_id === patient.user.id);
      expect(got.content).toBe('Much better, thanks');
      // Drawn once, from the room's echo, after the doctor's messages.
      await waitFor(() => (chat.bubbles().length === 5 ? true : undefined), 'the own message');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(chat.bubbles().map((b) => b.content)).toEqual([
        'first',
        'second',
        'third',
        'fourth',
        'Much better, thanks',
      ]);

      // The doctor edits a message the page got live: it shows the new text and "(edited)". (The
      // hook applies message_edited to live messages only; see docs/migration.md, seed 004.)
      const live = doctorSocket.all('message_sent').find((m) => m.content === 'fourth')!;
      // The history answers `results` beside `messages`, each with `created_at`.
      const page = await request<{ messages: Message[]; results: Array<Message & { created_at: string }> }>(
        server.url,
        'GET',
        `/api/conversations/${conversation.id}/messages`,
        { token: patient.token },
      );
      expect(page.body.results).toEqual(page.body.messages);
      expect(page.body.results.map((m) => m.created_at)).toEqual(page.body.results.map((m) => m.timestamp));
      doctorSocket.send({ type: 'edit_message', message_id: live.message_id, content: 'fourth, corrected' });
      await waitFor(() => (chat.bubbles()[3]?.edited ? true : undefined), 'the edit');
      expect(chat.bubbles()[3]!.content).toBe('fourth, corrected');

      // The doctor types: the page says so, by name.
      doctorSocket.send({ type: 'typing_indicator', conversation_id: conversation.id, is_typing: true });
      await waitFor(() => (chat.typing().includes('Dr Okafor is typing') ? true : undefined), 'typing');
      // Read ticks: the patient's own read receipt came back as a read_receipt frame naming the
      // message it reached, which the hook adds to that live message's read_by.
      await waitFor(() => (chat.bubbles()[3]?.read ? true : undefined), 'the read tick');
    } finally {
      chat.unmount();
      await doctorSocket.close();
    }
  });

  it("the README's first example: live both ways, a read receipt per message, typing", async () => {
    const patient = await registerUser(server.url, { name: 'Robin' });
    const conversation = await openConversation(server.url, doctor, patient);
    const doctorSocket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: doctor.token });
    const socketsBefore = server.app.live.count('ws_chat');
    const chat = await mountChat(
      page,
      patient,
      conversation.id,
      link.url.replace(/^http/, 'ws'),
      'ChatComponent',
    );
    try {
      // It shows only what arrives on its socket: wait until the socket is in.
      await waitFor(
        () => (server.app.live.count('ws_chat') > socketsBefore ? true : undefined),
        'the socket',
      );
      doctorSocket.send({
        type: 'chat_message',
        conversation_id: conversation.id,
        client_msg_id: 'r-1',
        content: 'Hi Robin',
      });
      await waitFor(() => (chat.bubbles().length === 1 ? true : undefined), 'the message');
      expect(chat.bubbles()[0]!.content).toBe('Hi Robin');
      const read = await doctorSocket.next('read_receipt', (f) => f.user_id === patient.user.id);
      expect(read).toMatchObject({ conversation_id: conversation.id, seq: 1 });

      const input = chat.container.querySelector('input') as HTMLInputElement;
      typeInto(input, 'Hello');
      expect(await doctorSocket.next('typing_indicator', (f) => f.user_id === patient.user.id)).toMatchObject(
        {
          is_typing: true,
        },
      );
      (chat.container.querySelector('.message-input button') as HTMLButtonElement).click();
      const got = await doctorSocket.next('chat_message', (f) => f.sender_id === patient.user.id);
      expect(got.content).toBe('Hello');
    } finally {
      chat.unmount();
      await doctorSocket.close();
    }
  });

  it('reconnects with its own backoff and loses nothing, showing each message once', async () => {
    const patient = await registerUser(server.url, { name: 'Alex' });
    const conversation = await openConversation(server.url, doctor, patient);
    await sendHttp(server.url, doctor, conversation.id, 'before');
    const chat = await mountChat(page, patient, conversation.id, link.url.replace(/^http/, 'ws'));
    try {
      await waitFor(() => (chat.status() === 'connected' ? true : undefined), 'connected');
      await waitFor(() => (chat.bubbles().length === 1 ? true : undefined), 'the history');
      await sendHttp(server.url, doctor, conversation.id, 'live 1');
      await waitFor(() => (chat.bubbles().length === 2 ? true : undefined), 'live 1');
      // Give the heartbeat time to confirm what the page holds (two beats).
      await new Promise((resolve) => setTimeout(resolve, 900));
      // The network stalls: what the server writes now is lost on the way; then the link drops.
      link.stall();
      for (const text of ['lost 1', 'lost 2']) await sendHttp(server.url, doctor, conversation.id, text);
      await new Promise((resolve) => setTimeout(resolve, 100));
      link.cut();
      await waitFor(() => (chat.status() === 'disconnected' ? true : undefined), 'the drop');
      // While the page is away.
      for (const text of ['away 1', 'away 2', 'away 3'])
        await sendHttp(server.url, doctor, conversation.id, text);
      // The hook reconnects by itself (3 s later), with no resume frame.
      await waitFor(() => (chat.bubbles().length === 7 ? true : undefined), 'the missed messages', 15_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(chat.bubbles().map((b) => b.content)).toEqual([
        'before',
        'live 1',
        'lost 1',
        'lost 2',
        'away 1',
        'away 2',
        'away 3',
      ]);
      // And live again.
      await sendHttp(server.url, doctor, conversation.id, 'after');
      await waitFor(() => (chat.bubbles().length === 8 ? true : undefined), 'after the reconnect');
    } finally {
      chat.unmount();
    }
  });

  it('reconnects to another node and still loses nothing', async () => {
    // A second node on the same database and bus; the link (a load balancer) sends the
    // reconnecting page there.
    const nodeB = await startServer({
      dialect,
      env: { HEARTBEAT_MS: '300' },
      shared: { store: { store: server.store, dispose: async () => {} }, bus: server.bus },
    });
    const patient = await registerUser(server.url, { name: 'Casey' });
    const conversation = await openConversation(server.url, doctor, patient);
    const chat = await mountChat(page, patient, conversation.id, link.url.replace(/^http/, 'ws'));
    try {
      await waitFor(() => (chat.status() === 'connected' ? true : undefined), 'connected');
      await sendHttp(server.url, doctor, conversation.id, 'on node A');
      await waitFor(() => (chat.bubbles().length === 1 ? true : undefined), 'on node A');
      link.stall();
      await sendHttp(server.url, doctor, conversation.id, 'lost on the way');
      link.retarget(Number(new URL(nodeB.url).port));
      link.cut();
      await waitFor(() => (chat.status() === 'disconnected' ? true : undefined), 'the drop');
      await sendHttp(nodeB.url, doctor, conversation.id, 'while away');
      await waitFor(() => (chat.bubbles().length === 3 ? true : undefined), 'the missed messages', 15_000);
      await sendHttp(nodeB.url, doctor, conversation.id, 'on node B');
      await waitFor(() => (chat.bubbles().length === 4 ? true : undefined), 'live on node B');
      expect(chat.bubbles().map((b) => b.content)).toEqual([
        'on node A',
        'lost on the way',
        'while away',
        'on node B',
      ]);
    } finally {
      chat.unmount();
      link.retarget(Number(new URL(server.url).port));
      await nodeB.close();
    }
  });

  it("refuses what the seed's client can get wrong, with carechat's code, storing nothing", async () => {
    const other = await registerUser(server.url, { name: 'Jordan' });
    const conversation = await openConversation(server.url, doctor, other);
    const stranger = await registerUser(server.url, { name: 'Stranger' });
    // Someone else's conversation, and no token: the socket closes with 4403 / 4401.
    const foreign = await TestSocket.connect(`${server.wsUrl}/ws/chat/${conversation.id}/`, {
      token: stranger.token,
    });
    expect(await foreign.closed()).toMatchObject({ code: 4403, reason: 'not_participant' });
    const anonymous = await TestSocket.connect(`${server.wsUrl}/ws/chat/${conversation.id}/`);
    expect((await anonymous.closed()).code).toBe(4401);
    // The hook's frames with a field missing or of the wrong type: an error frame, nothing stored.
    const socket = await TestSocket.connect(`${server.wsUrl}/ws/chat/${conversation.id}/`, {
      token: other.token,
    });
    socket.send({ type: 'chat_message' });
    expect(await socket.next('error')).toMatchObject({ code: 'invalid_request' });
    socket.send({ type: 'chat_message', content: 42 });
    expect(await socket.next('error')).toMatchObject({ code: 'invalid_request' });
    socket.send({ type: 'read_receipt', message_id: 'msg_nope' });
    expect(await socket.next('error')).toMatchObject({ code: 'not_found' });
    socket.send('not json');
    expect(await socket.next('error')).toMatchObject({ code: 'invalid_request' });
    await socket.close();
    const history = await request<{ results: Message[] }>(
      server.url,
      'GET',
      `/api/conversations/${conversation.id}/messages`,
      { token: other.token },
    );
    expect(history.body.results).toEqual([]);
  });
});
