import './helpers/dom.js';
import { type CarechatClient, createClient, type WebSocketConstructor } from '@carechat/client';
import { cleanup, configure, render, screen, waitFor } from '@testing-library/react';
import { createElement as h, type ReactNode, useEffect } from 'react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openConversation, registerUser, sendHttp, type TestUser } from '../../server/test/helpers/http.js';
import { startServer, type TestServer } from '../../server/test/helpers/server.js';
import {
  CarechatProvider,
  type ConversationResult,
  useChatStore,
  useConnectionState,
  useConversation,
  useConversations,
  useOutbox,
  usePresence,
  useTyping,
  useUnreadTotal,
} from '../src/index.js';

/** The hooks in a real React tree (happy-dom), over a real server, with the SDK underneath. */

// A real server on a shared, loaded machine: wait for what the page shows longer than 1 s.
configure({ asyncUtilTimeout: 15_000 });

const FAST = { backoff: { baseMs: 50, maxMs: 300 }, gapWaitMs: 100 };

// Each test drives a real server and renders through React: room for a busy machine.
describe('@carechat/react against a real server', { timeout: 60_000 }, () => {
  let server: TestServer;
  let doctor: TestUser;
  let patient: TestUser;
  const clients: CarechatClient[] = [];

  function client(user: TestUser, options: { autoConnect?: boolean } = {}): CarechatClient {
    const c = createClient({
      baseUrl: server.url,
      token: user.token,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      storageKey: `carechat:test:${user.user.id}:${clients.length}`,
      ...FAST,
      ...options,
    });
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    // Offline is announced after a grace period (a reconnect does not flap): short here.
    server = await startServer({ env: { PRESENCE_GRACE_MS: '200' } });
  });
  // A direct conversation is one per pair of people: each test has a pair of its own.
  beforeEach(async () => {
    [doctor, patient] = await Promise.all([
      registerUser(server.url, { role: 'practitioner', name: 'Dr Hook' }),
      registerUser(server.url, { name: 'Pat Hook' }),
    ]);
  });
  afterEach(() => {
    cleanup();
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    await server.close();
  });

  /** Renders `children` under a provider of `c`, and the chat of one conversation, kept in `latest`. */
  function renderChat(c: CarechatClient, conversationId: string, extra?: ReactNode) {
    const latest: { current?: ConversationResult } = {};
    function Chat() {
      const chat = useConversation(conversationId);
      latest.current = chat;
      return h(
        'section',
        null,
        h('p', { 'data-testid': 'connection' }, chat.connection),
        h('p', { 'data-testid': 'outbox' }, chat.outbox.map((e) => `${e.status}:${e.content}`).join('|')),
        h('p', { 'data-testid': 'typing' }, chat.typing.map((p) => p.name).join(',')),
        h('p', { 'data-testid': 'more' }, String(chat.history.hasMore)),
        h(
          'ol',
          null,
          chat.messages.map((m) => h('li', { key: m.message_id }, `${m.seq} ${m.content}`)),
        ),
      );
    }
    render(h(CarechatProvider, { client: c }, h(Chat), extra));
    return latest;
  }

  it('useConversation: history, live messages from the other side, send, edit, typing and the connection', async () => {
    const conversation = await openConversation(server.url, doctor, patient);
    await sendHttp(server.url, doctor, conversation.id, 'before the page opened');
    const doctorClient = client(doctor);
    const chat = renderChat(client(patient), conversation.id);

    await screen.findByText('1 before the page opened');
    await waitFor(() => expect(screen.getByTestId('connection').textContent).toBe('connected'));

    const delivered = new Promise((resolve) =>
      doctorClient.on('delivery_receipt', (f) => {
        if (f.user_id === patient.user.id && f.seq >= 2) resolve(f.seq);
      }),
    );
    await doctorClient.send(conversation.id, 'live from the doctor');
    await screen.findByText('2 live from the doctor');
    // The doctor's "delivered" tick: the patient's page has it.
    expect(await delivered).toBe(2);

    const stored = await chat.current!.send('from the hook');
    expect(stored.seq).toBe(3);
    await screen.findByText('3 from the hook');

    await chat.current!.edit(stored.message_id, 'from the hook, edited');
    await screen.findByText('3 from the hook, edited');

    doctorClient.setTyping(conversation.id, true);
    await waitFor(() => expect(screen.getByTestId('typing').textContent).toBe('Dr Hook'));
    // A message from the typer takes the indicator down.
    await doctorClient.send(conversation.id, 'done typing');
    await screen.findByText('4 done typing');
    expect(screen.getByTestId('typing').textContent).toBe('');
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      '1 before the page opened',
      '2 live from the doctor',
      '3 from the hook, edited',
      '4 done typing',
    ]);
  });

  it('useConversation and useOutbox: a send while disconnected waits in the outbox and is stored on reconnect', async () => {
    const conversation = await openConversation(server.url, doctor, patient);
    const patientClient = client(patient);
    function Waiting() {
      return h('p', { 'data-testid': 'waiting' }, `${useOutbox().length} waiting`);
    }
    const chat = renderChat(patientClient, conversation.id, h(Waiting));
    await waitFor(() => expect(screen.getByTestId('connection').textContent).toBe('connected'));

    patientClient.disconnect();
    await waitFor(() => expect(screen.getByTestId('connection').textContent).toBe('disconnected'));
    const settled = chat.current!.send('written offline');
    await waitFor(() => expect(screen.getByTestId('outbox').textContent).toBe('pending:written offline'));
    expect(screen.getByTestId('waiting').textContent).toBe('1 waiting');
    expect(screen.queryByText(/written offline/, { selector: 'li' })).toBeNull();

    patientClient.connect();
    await settled;
    await screen.findByText('1 written offline');
    await waitFor(() => expect(screen.getByTestId('outbox').textContent).toBe(''));
    expect(screen.getByTestId('waiting').textContent).toBe('0 waiting');
    expect(screen.getByTestId('connection').textContent).toBe('connected');
  });

  it('useConversation: load older pages back to the first message', async () => {
    const conversation = await openConversation(server.url, doctor, patient);
    for (let i = 1; i <= 60; i++) await sendHttp(server.url, doctor, conversation.id, `m${i}`);
    const chat = renderChat(client(patient), conversation.id);

    await screen.findByText('60 m60');
    expect(screen.getAllByRole('listitem')).toHaveLength(50);
    expect(screen.getByTestId('more').textContent).toBe('true');
    await chat.current!.loadOlder();
    await screen.findByText('1 m1');
    expect(screen.getAllByRole('listitem').map((li) => li.textContent?.split(' ')[0])).toEqual(
      Array.from({ length: 60 }, (_, i) => String(i + 1)),
    );
    expect(screen.getByTestId('more').textContent).toBe('false');
  });

  it('useConversations, useUnreadTotal and read: counts follow new messages and reading them', async () => {
    const other = await registerUser(server.url, { role: 'practitioner', name: 'Dr Other' });
    const first = await openConversation(server.url, doctor, patient);
    const second = await openConversation(server.url, other, patient);
    const patientClient = client(patient);
    const latest: { chat?: ConversationResult } = {};
    function List() {
      const { conversations, loaded } = useConversations();
      const unread = useUnreadTotal();
      return h(
        'div',
        null,
        h('p', { 'data-testid': 'unread' }, `${loaded ? 'loaded' : 'loading'} ${unread}`),
        h(
          'ul',
          null,
          conversations
            .filter((c) => c.id === first.id || c.id === second.id)
            .map((c) =>
              h('li', { key: c.id }, `${c.id === first.id ? 'first' : 'second'}:${c.unread_count}`),
            ),
        ),
      );
    }
    function Reader() {
      latest.chat = useConversation(first.id);
      return null;
    }
    render(h(CarechatProvider, { client: patientClient }, h(List), h(Reader)));
    await waitFor(() => expect(screen.getByTestId('unread').textContent).toMatch(/^loaded /));
    const before = Number(screen.getByTestId('unread').textContent?.split(' ')[1]);

    await sendHttp(server.url, other, second.id, 'one');
    await sendHttp(server.url, doctor, first.id, 'two');
    await sendHttp(server.url, doctor, first.id, 'three');
    await waitFor(() => expect(screen.getByTestId('unread').textContent).toBe(`loaded ${before + 3}`));
    // The newest activity first.
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['first:2', 'second:1']);

    await waitFor(() => expect(latest.chat?.messages).toHaveLength(2));
    await latest.chat!.markRead();
    await waitFor(() => expect(screen.getByTestId('unread').textContent).toBe(`loaded ${before + 1}`));
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['first:0', 'second:1']);
  });

  it('usePresence: the other side comes online and goes offline', async () => {
    const nurse = await registerUser(server.url, { role: 'practitioner', name: 'Nurse Presence' });
    await openConversation(server.url, nurse, patient);
    function Status() {
      const presence = usePresence(nurse.user.id);
      const connection = useConnectionState();
      return h(
        'p',
        { 'data-testid': 'presence' },
        `${connection} ${presence?.online ? 'online' : 'offline'}`,
      );
    }
    render(h(CarechatProvider, { client: client(patient) }, h(Status)));
    await waitFor(() => expect(screen.getByTestId('presence').textContent).toBe('connected offline'));

    const nurseClient = client(nurse);
    await waitFor(() => expect(screen.getByTestId('presence').textContent).toBe('connected online'));
    nurseClient.close();
    await waitFor(() => expect(screen.getByTestId('presence').textContent).toBe('connected offline'));
  });

  it('useTyping in a list row, without loading messages; ensureConversation refuses a stranger', async () => {
    const conversation = await openConversation(server.url, doctor, patient);
    const stranger = await registerUser(server.url, { name: 'Sam Stranger' });
    const theirs = await openConversation(server.url, doctor, stranger);
    const refusal: { code?: string } = {};
    function Row() {
      const typing = useTyping(conversation.id);
      const store = useChatStore();
      useEffect(() => {
        store.ensureConversation(theirs.id).catch((e: { code?: string }) => {
          refusal.code = e.code ?? 'no code';
        });
      }, [store]);
      return h(
        'p',
        { 'data-testid': 'row' },
        `${typing.map((p) => p.name).join(',') || 'quiet'} ${store.history(conversation.id).loaded}`,
      );
    }
    const doctorClient = client(doctor);
    render(h(CarechatProvider, { client: client(patient) }, h(Row)));
    await waitFor(() => expect(screen.getByTestId('row').textContent).toBe('quiet false'));
    await waitFor(() => expect(doctorClient.state).toBe('connected'));

    doctorClient.setTyping(conversation.id, true);
    await waitFor(() => expect(screen.getByTestId('row').textContent).toBe('Dr Hook false'));
    doctorClient.setTyping(conversation.id, false);
    await waitFor(() => expect(screen.getByTestId('row').textContent).toBe('quiet false'));
    await waitFor(() => expect(refusal.code).toBe('not_participant'));
  });
});
