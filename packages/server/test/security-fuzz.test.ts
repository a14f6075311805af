import { createHash } from 'node:crypto';
import type { Conversation, ServerFrame } from '@carechat/protocol';
import fc from 'fast-check';
import { sql } from 'kysely';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../src/store/kysely-store.js';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, sendHttp, type TestUser } from './helpers/http.js';
import { TEST_SERVER_API_KEY } from './helpers/security.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

/**
 * Generated input at every route and every frame type: never a 500, never a crash, and a request
 * the server refuses changes nothing it stores. The audit trail and sign-in throttle are left out
 * of the comparison on purpose: recording refusals is their job.
 */

const ROUTES: ReadonlyArray<[string, string]> = [
  ['POST', '/api/auth/register'],
  ['POST', '/api/auth/login'],
  ['POST', '/api/auth/refresh'],
  ['GET', '/api/me'],
  ['PATCH', '/api/me'],
  ['DELETE', '/api/me'],
  ['GET', '/api/me/export'],
  ['GET', '/api/me/access-log'],
  ['GET', '/api/admin/audit'],
  ['GET', '/api/admin/audit/export'],
  ['POST', '/api/conversations'],
  ['GET', '/api/conversations'],
  ['GET', '/api/conversations/:id'],
  ['PATCH', '/api/conversations/:id'],
  ['GET', '/api/conversations/:id/messages'],
  ['POST', '/api/conversations/:id/messages'],
  ['POST', '/api/conversations/:id/read'],
  ['POST', '/api/conversations/:id/typing'],
  ['POST', '/api/conversations/:id/delivered'],
  ['POST', '/api/conversations/:id/attachments'],
  ['POST', '/api/conversations/:id/participants'],
  ['DELETE', '/api/conversations/:id/participants/:id'],
  ['PATCH', '/api/messages/:id'],
  ['DELETE', '/api/messages/:id'],
  ['PUT', '/api/messages/:id/reactions/:emoji'],
  ['DELETE', '/api/messages/:id/reactions/:emoji'],
  ['GET', '/api/attachments/:id'],
  ['GET', '/api/unread'],
  ['GET', '/api/search'],
  ['GET', '/api/users'],
  ['GET', '/api/contacts'],
  ['GET', '/api/events'],
  ['POST', '/api/frames'],
  ['GET', '/api/appointments'],
  ['POST', '/api/appointments'],
  ['POST', '/api/appointments/:id/:emoji'],
  ['GET', '/api/practitioners/:id/schedule'],
  ['PUT', '/api/practitioners/:id/schedule'],
  ['PUT', '/api/server/users/:id'],
  ['POST', '/api/server/users/:id/tokens'],
  ['GET', '/healthz'],
  ['GET', '/readyz'],
];

const FRAME_TYPES = [
  'chat_message',
  'typing_indicator',
  'read_receipt',
  'delivery_receipt',
  'add_reaction',
  'remove_reaction',
  'edit_message',
  'delete_message',
  'resume',
  'ping',
] as const;

const FIELDS = [
  'conversation_id',
  'content',
  'client_msg_id',
  'reply_to',
  'attachments',
  'is_typing',
  'seq',
  'message_id',
  'emoji',
  'cursors',
  'participant_ids',
  'user_ids',
  'email',
  'password',
  'name',
  'role',
  'notification_previews',
  'refresh_token',
  'windows',
  'practitioner_id',
  'starts_at',
  'ends_at',
  'muted',
  'pinned',
] as const;

const TABLES = [
  'users',
  'conversations',
  'participants',
  'messages',
  'message_edits',
  'reactions',
  'attachments',
  'appointments',
  'consultations',
  'schedule_windows',
  'external_users',
  'session_retired_tokens',
];

/** A path segment; an unpaired surrogate goes as its (invalid) UTF-8 bytes, as a hostile client would send it. */
function encodeSegment(value: string): string {
  return [...value]
    .map((ch) => (/^[\uD800-\uDFFF]$/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch)))
    .join('');
}

describe.each(DIALECTS)('fuzzing on %s', (dialect) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let conversation: Conversation;
  let messageId: string;
  const runs = dialect === 'sqlite' ? 250 : 120;

  beforeAll(async () => {
    server = await startServer({
      dialect,
      env: {
        SEND_RATE_PER_SECOND: '0',
        LOGIN_FREE_ATTEMPTS_PER_ADDRESS: '100000',
        SERVER_API_KEY: TEST_SERVER_API_KEY,
      },
    });
    [alice, bob] = await Promise.all([
      registerUser(server.url, { role: 'practitioner' }),
      registerUser(server.url),
    ]);
    conversation = await openConversation(server.url, alice, bob);
    messageId = (await sendHttp(server.url, alice, conversation.id, 'seed message')).body.message.message_id;
  });
  afterAll(() => server.close());

  /** Everything stored that a refused request must leave alone (sessions: all but their last use). */
  async function snapshot(): Promise<string> {
    const db = (server.store as KyselyStore).db;
    const hash = createHash('sha256');
    for (const table of TABLES) {
      const rows = await sql`select * from ${sql.table(table)} order by 1`.execute(db);
      hash.update(JSON.stringify(rows.rows));
    }
    const sessions =
      await sql`select id, token_hash, revoked_at, generation from sessions order by id`.execute(db);
    hash.update(JSON.stringify(sessions.rows));
    return hash.digest('hex');
  }

  const idLike = () =>
    fc.oneof(
      fc.constantFrom(conversation.id, messageId, alice.user.id, bob.user.id, 'accept', '👍', 'cnv_x'),
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.constantFrom('..', '%', '%00', '%ZZ', ' ', 'a'.repeat(300), 'a\u0000b', '\ud800', 'x\udc00'),
    );

  /** Text no store keeps as sent: NUL (PostgreSQL refuses it) and unpaired surrogates. */
  const unstorable = () => fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'a\udc00b', '\ud83d');

  const jsonish = () =>
    fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(fc.constantFrom(...FIELDS), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }),
      fc.record(
        {
          client_msg_id: fc.oneof(fc.string({ maxLength: 120 }), unstorable()),
          content: fc.oneof(fc.string({ maxLength: 200 }), unstorable()),
          email: fc.oneof(
            fc.emailAddress(),
            unstorable().map((u) => `a${u}@example.test`),
          ),
          name: fc.oneof(fc.string({ maxLength: 20 }), unstorable()),
          participant_ids: fc.array(idLike(), { maxLength: 4 }),
          seq: fc.oneof(fc.integer(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER + 2)),
        },
        { requiredKeys: [] },
      ),
    );

  it('refuses NUL and unpaired surrogates in every kind of field with 400, the same on a retry', async () => {
    const bearer = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });
    const call = async (method: string, path: string, body: unknown, token?: string) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: token ? bearer(token) : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
    };
    const c = conversation.id;
    for (const bad of ['a\u0000b', 'a\ud800b', 'a\udc00']) {
      const before = await snapshot();
      const cases: Array<[string, string, unknown, string?]> = [
        [
          'POST',
          '/api/auth/register',
          { email: `x${bad}@example.test`, password: 'long enough pw', name: 'N', role: 'patient' },
        ],
        [
          'POST',
          '/api/auth/register',
          { email: 'nul-name@example.test', password: 'long enough pw', name: bad, role: 'patient' },
        ],
        ['POST', '/api/auth/login', { email: `x${bad}@example.test`, password: 'whatever1' }],
        [
          'POST',
          `/api/conversations/${c}/messages`,
          { client_msg_id: `m${bad}`, content: 'hi' },
          alice.token,
        ],
        ['POST', `/api/conversations/${c}/messages`, { client_msg_id: 'fine-id', content: bad }, alice.token],
        [
          'POST',
          `/api/conversations/${encodeSegment(`cnv${bad}`)}/messages`,
          { client_msg_id: 'x', content: 'hi' },
          alice.token,
        ],
        ['GET', `/api/conversations/${encodeSegment(`cnv${bad}`)}`, undefined, alice.token],
        ['PATCH', `/api/messages/${messageId}`, { content: bad }, alice.token],
        ['POST', '/api/conversations', { participant_ids: [`usr${bad}`] }, alice.token],
        [
          'PUT',
          `/api/server/users/${encodeSegment(`ext${bad}`)}`,
          { name: 'N', role: 'patient' },
          TEST_SERVER_API_KEY,
        ],
        ['PUT', '/api/server/users/ext-ok', { name: bad, role: 'patient' }, TEST_SERVER_API_KEY],
      ];
      for (const [method, path, body, token] of cases) {
        // Twice: a retry of a refused request is refused the same way, never a 409.
        for (let attempt = 0; attempt < 2; attempt++) {
          const res = await call(method, path, body, token);
          expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
          expect(res.body.error?.code).toBe('invalid_request');
        }
      }
      expect(await snapshot()).toBe(before);
    }
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: bob.token });
    await socket.roundTrip();
    for (const frame of [
      { type: 'chat_message', conversation_id: conversation.id, content: 'a\u0000b', client_msg_id: 'w1' },
      { type: 'chat_message', conversation_id: conversation.id, content: 'ok', client_msg_id: 'w\ud800' },
      { type: 'chat_message', conversation_id: `cnv\u0000`, content: 'ok', client_msg_id: 'w2' },
    ]) {
      socket.send(frame);
      const error = (await socket.next('error')) as { code: string };
      expect(error.code).toBe('invalid_request');
    }
    await socket.close();
  });

  it('never answers 500 and stores nothing for a refused request, on any route', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.array(idLike(), { minLength: 2, maxLength: 2 }),
        fc.oneof(
          jsonish().map((v) => JSON.stringify(v)),
          fc.string({ maxLength: 100 }),
          fc.constant(undefined),
        ),
        fc.dictionary(
          fc.constantFrom(
            'limit',
            'after_seq',
            'before_seq',
            'query',
            'cursor',
            'status',
            'format',
            'action',
            'since',
          ),
          fc.string({ maxLength: 30 }),
          { maxKeys: 3 },
        ),
        fc.constantFrom('alice', 'bob', 'none', 'garbage'),
        async ([method, pattern], ids, body, query, who) => {
          let i = 0;
          const path = pattern.replace(/:(id|emoji)/g, () => encodeSegment(ids[i++ % ids.length] ?? ''));
          const search = new URLSearchParams(query);
          if (pattern === '/api/events') search.set('timeout_ms', '0');
          const headers: Record<string, string> = {};
          if (who === 'alice') headers.authorization = `Bearer ${alice.token}`;
          if (who === 'bob') headers.authorization = `Bearer ${bob.token}`;
          if (who === 'garbage') headers.authorization = 'Bearer x.y.z';
          if (body !== undefined) headers['content-type'] = 'application/json';
          const before = await snapshot();
          const res = await fetch(`${server.url}${path}?${search}`, {
            method,
            headers,
            ...(body === undefined || method === 'GET' ? {} : { body }),
          });
          const text = await res.text();
          expect(res.status, `${method} ${path} ${body}`).not.toBe(500);
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) {
            expect(JSON.parse(text)).toHaveProperty('error.code');
            expect(await snapshot(), `${method} ${path} changed the store`).toBe(before);
          }
        },
      ),
      { numRuns: runs, interruptAfterTimeLimit: 20_000 },
    );
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('answers every frame, valid or not, without a crash, an internal error or a change when refused', async () => {
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: bob.token });
    await socket.roundTrip();
    const frame = fc.oneof(
      fc.record(
        {
          type: fc.constantFrom(...FRAME_TYPES),
          conversation_id: fc.oneof(fc.constant(conversation.id), fc.string({ maxLength: 70 })),
          message_id: fc.oneof(fc.constant(messageId), fc.string({ maxLength: 70 })),
          content: fc.oneof(fc.string({ maxLength: 300 }), unstorable()),
          client_msg_id: fc.oneof(fc.string({ maxLength: 120 }), unstorable()),
          seq: fc.oneof(fc.integer(), fc.double(), fc.string()),
          is_typing: fc.oneof(fc.boolean(), fc.string()),
          emoji: fc.oneof(fc.constant('👍'), fc.string({ maxLength: 10 })),
          cursors: fc.dictionary(
            fc.oneof(fc.constant(conversation.id), fc.string()),
            fc.oneof(fc.integer(), fc.string()),
          ),
          attachments: fc.oneof(
            fc.constant(null),
            fc.array(fc.record({ id: fc.string() }), { maxLength: 3 }),
          ),
        },
        { requiredKeys: ['type'] },
      ),
      jsonish(),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          frame.map((f) => JSON.stringify(f)),
          fc.string({ maxLength: 200 }),
        ),
        async (text) => {
          const start = socket.frames.length;
          const before = await snapshot();
          socket.send(text);
          await socket.roundTrip();
          expect(socket.isOpen).toBe(true);
          const answers = socket.frames.slice(start) as ServerFrame[];
          const errors = answers.filter(
            (f): f is Extract<ServerFrame, { type: 'error' }> => f.type === 'error',
          );
          expect(errors.map((e) => e.code)).not.toContain('internal');
          if (errors.length > 0) expect(await snapshot(), `frame ${text} changed the store`).toBe(before);
        },
      ),
      { numRuns: runs, interruptAfterTimeLimit: 20_000 },
    );
    await socket.close();
  });

  it('answers every Socket.IO event with an ack, never an internal error', async () => {
    const socket = io(server.url, {
      transports: ['websocket'],
      auth: { token: bob.token },
      forceNew: true,
      reconnection: false,
    });
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve());
      socket.on('connect_error', reject);
    });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('send_message', 'join_consultation', 'leave_consultation', 'create_conversation'),
          fc.oneof(jsonish(), fc.string({ maxLength: 50 }), fc.constant(undefined)),
          async (event, payload) => {
            const ack = (await socket.timeout(5000).emitWithAck(event, payload)) as {
              ok: boolean;
              error?: { code: string };
            };
            expect(typeof ack.ok).toBe('boolean');
            if (!ack.ok) expect(ack.error?.code).not.toBe('internal');
          },
        ),
        { numRuns: Math.round(runs / 2), interruptAfterTimeLimit: 15_000 },
      );
      expect(socket.connected).toBe(true);
    } finally {
      socket.close();
    }
  });
});
