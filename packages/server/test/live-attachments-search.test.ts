import type { Attachment, Message, SearchResponse } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');

async function upload(
  server: TestServer,
  user: TestUser,
  conversationId: string,
  name: string,
  bytes: Buffer,
  type = 'image/png',
) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
  const response = await fetch(`${server.url}/api/conversations/${conversationId}/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}` },
    body: form,
  });
  return {
    status: response.status,
    body: (await response.json()) as { attachment: Attachment; error?: { code: string } },
  };
}

describe.each(DIALECTS)('attachments and search on %s', (dialect) => {
  let server: TestServer;
  let a: TestUser;
  let b: TestUser;
  let outsider: TestUser;

  beforeAll(async () => {
    server = await startServer({ dialect, env: { ATTACHMENT_MAX_BYTES: '4096' } });
    [a, b, outsider] = await Promise.all([
      registerUser(server.url, { name: 'Ada', role: 'practitioner' }),
      registerUser(server.url, { name: 'Ben' }),
      registerUser(server.url, { name: 'Out' }),
    ]);
  });
  afterAll(() => server.close());

  it('uploads by magic bytes, sends, and lets only participants download', async () => {
    const c = await openConversation(server.url, a, b);
    const bSocket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: b.token });
    const png = await upload(server, b, c.id, '../../etc/rash photo.png', PNG, 'text/plain');
    expect(png.status).toBe(201);
    expect(png.body.attachment).toMatchObject({
      name: 'rash photo.png',
      content_type: 'image/png',
      size: PNG.length,
    });
    const pdf = await upload(server, b, c.id, 'referral.pdf', PDF, 'image/png');
    expect(pdf.body.attachment.content_type).toBe('application/pdf');

    const sent = await request<{ message: Message }>(
      server.url,
      'POST',
      `/api/conversations/${c.id}/messages`,
      {
        token: b.token,
        body: {
          client_msg_id: 'att-1',
          content: '',
          attachments: [{ id: png.body.attachment.id }, { id: pdf.body.attachment.id }],
        },
      },
    );
    expect(sent.status).toBe(201);
    expect(sent.body.message.attachments.map((x) => x.content_type)).toEqual([
      'image/png',
      'application/pdf',
    ]);
    const mine = await bSocket.next('message_sent');
    expect(mine.attachments).toHaveLength(2);

    const download = await fetch(`${server.url}/api/attachments/${png.body.attachment.id}`, {
      headers: { authorization: `Bearer ${a.token}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await download.arrayBuffer())).toEqual(PNG);
    const denied = await request(server.url, 'GET', `/api/attachments/${png.body.attachment.id}`, {
      token: outsider.token,
    });
    expect(denied).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });

    // An attachment goes out once, with the message that carries it.
    const reuse = await request(server.url, 'POST', `/api/conversations/${c.id}/messages`, {
      token: b.token,
      body: { client_msg_id: 'att-2', content: 'again', attachments: [{ id: png.body.attachment.id }] },
    });
    expect(reuse).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    await bSocket.close();
  });

  it('refuses other types, oversize files, strangers, and someone else’s upload', async () => {
    const c = await openConversation(server.url, a, b);
    const text = await upload(server, b, c.id, 'notes.png', Buffer.from('just text pretending'));
    expect(text).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    const html = await upload(server, b, c.id, 'x.pdf', Buffer.from('<html><script>alert(1)</script>'));
    expect(html.status).toBe(400);
    const big = await upload(server, b, c.id, 'big.png', Buffer.concat([PNG, Buffer.alloc(5000)]));
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'message_too_large' } } });
    const stranger = await upload(server, outsider, c.id, 'p.png', PNG);
    expect(stranger).toMatchObject({ status: 403, body: { error: { code: 'not_participant' } } });
    const bs = await upload(server, b, c.id, 'p.png', PNG);
    const stolen = await request(server.url, 'POST', `/api/conversations/${c.id}/messages`, {
      token: a.token,
      body: { client_msg_id: 'steal', content: 'mine now', attachments: [{ id: bs.body.attachment.id }] },
    });
    expect(stolen).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
  });

  it('searches only the caller’s conversations, newest first, paged, skipping deleted messages', async () => {
    const c = await openConversation(server.url, a, b);
    const private_ = await openConversation(server.url, outsider, a);
    await sendHttp(server.url, outsider, private_.id, 'ibuprofen question from a stranger');
    for (let i = 1; i <= 5; i++) await sendHttp(server.url, a, c.id, `Ibuprofen dose note ${i}`);
    const deleted = (await sendHttp(server.url, b, c.id, 'ibuprofen secret')).body.message;
    await request(server.url, 'DELETE', `/api/messages/${deleted.message_id}`, { token: b.token });
    await sendHttp(server.url, b, c.id, 'unrelated words');

    const first = await request<SearchResponse>(server.url, 'GET', '/api/search?query=IBUPRO&limit=3', {
      token: b.token,
    });
    expect(first.body.results.map((m) => m.content)).toEqual([
      'Ibuprofen dose note 5',
      'Ibuprofen dose note 4',
      'Ibuprofen dose note 3',
    ]);
    expect(first.body.next_cursor).toBeTruthy();
    const second = await request<SearchResponse>(
      server.url,
      'GET',
      `/api/search?query=ibuprofen&limit=3&cursor=${first.body.next_cursor}`,
      { token: b.token },
    );
    expect(second.body.results.map((m) => m.content)).toEqual([
      'Ibuprofen dose note 2',
      'Ibuprofen dose note 1',
    ]);
    expect(second.body.next_cursor).toBeNull();
    const outsiders = await request<SearchResponse>(server.url, 'GET', '/api/search?query=ibuprofen', {
      token: outsider.token,
    });
    expect(outsiders.body.results.map((m) => m.content)).toEqual(['ibuprofen question from a stranger']);
    for (const query of ['"', 'NEAR(', '*', 'a OR', ') AND (']) {
      const res = await request<SearchResponse>(
        server.url,
        'GET',
        `/api/search?query=${encodeURIComponent(query)}`,
        { token: b.token },
      );
      expect(res.status).toBe(200);
    }
    const bad = await request(server.url, 'GET', '/api/search?query=x&cursor=garbage', { token: b.token });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
  });
});
