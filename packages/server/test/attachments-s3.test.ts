import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Attachment, Message } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { ManualClock } from '../src/core/ports/clock.js';
import { chooseAttachmentStorage } from '../src/store/attachment-storage-choice.js';
import { S3_PART_BYTES } from '../src/store/s3-attachment-storage.js';
import { type Cluster, startCluster } from './helpers/cluster.js';
import { createTestStore, type TestStore } from './helpers/dialects.js';
import { openConversation, registerUser, request, type TestUser, unfinishedUpload } from './helpers/http.js';
import { type S3Server, startS3Server } from './helpers/s3-server.js';
import { startServer, type TestServer } from './helpers/server.js';

const PNG_SIGNATURE = Buffer.from('89504e470d0a1a0a', 'hex');
/** A file name that must never reach a log line. */
const SECRET_NAME = 'ct-scan-of-jane-roe.png';

function pngOf(size: number): Buffer {
  return Buffer.concat([PNG_SIGNATURE, randomBytes(size - PNG_SIGNATURE.length)]);
}

async function upload(
  baseUrl: string,
  user: TestUser,
  conversationId: string,
  bytes: Buffer,
): Promise<{ status: number; body: { attachment?: Attachment; error?: { code: string } } }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), SECRET_NAME);
  const answer = await fetch(`${baseUrl}/api/conversations/${conversationId}/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}` },
    body: form,
  });
  return { status: answer.status, body: (await answer.json()) as never };
}

async function download(baseUrl: string, user: TestUser, id: string) {
  const answer = await fetch(`${baseUrl}/api/attachments/${id}`, {
    headers: { authorization: `Bearer ${user.token}` },
  });
  return { status: answer.status, headers: answer.headers, bytes: Buffer.from(await answer.arrayBuffer()) };
}

/** Issue 17, point 5: ATTACHMENT_STORAGE=s3 gives the database storage's guarantees. */
describe('attachments on S3 across two server processes', () => {
  let s3: S3Server;
  let cluster: Cluster;
  const prefix = `run-${randomBytes(3).toString('hex')}/`;

  beforeAll(async () => {
    s3 = await startS3Server();
    cluster = await startCluster(2, {
      env: { ...s3.env(prefix), ATTACHMENT_MAX_BYTES: '6500000', UPLOADS_PER_MINUTE: '1000' },
    });
  }, 90_000);
  afterAll(async () => {
    await cluster?.dispose();
    await s3?.dispose();
  });

  it('serves from node b the bytes node a streamed to the bucket in parts', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const [doctor, patient] = await Promise.all([registerUser(a, { role: 'practitioner' }), registerUser(a)]);
    const conversation = await openConversation(a, doctor, patient);
    // Over one S3 part: a multipart upload.
    const bytes = pngOf(S3_PART_BYTES + 1_000_000);
    const uploaded = await upload(a, patient, conversation.id, bytes);
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    const attachment = uploaded.body.attachment as Attachment;
    // Objects are named by prefix and attachment id, never by the file's name.
    expect(await s3.keys(prefix)).toContain(`${prefix}${attachment.id}`);
    const sent = await request<{ message: Message }>(
      a,
      'POST',
      `/api/conversations/${conversation.id}/messages`,
      {
        token: patient.token,
        body: { client_msg_id: 's3-scan-1', content: 'the scan', attachments: [{ id: attachment.id }] },
      },
    );
    expect(sent.status).toBe(201);

    const downloaded = await download(b, doctor, attachment.id);
    expect(downloaded.status).toBe(200);
    expect(downloaded.bytes.equals(bytes)).toBe(true);
    expect(downloaded.headers.get('content-type')).toBe('image/png');
  });

  it('refuses an upload that passes the limit while it streams, leaving no object', async () => {
    const [a] = cluster.nodes.map((n) => n.url) as [string];
    const [doctor, patient] = await Promise.all([registerUser(a, { role: 'practitioner' }), registerUser(a)]);
    const conversation = await openConversation(a, doctor, patient);
    const before = await s3.keys(prefix);
    // Past one part (sent to S3 as the first of a multipart upload), then past the limit.
    // Of unknown length (chunked): the limit can only be met while the bytes stream to S3.
    const bytes = pngOf(7_000_000);
    const slices = Array.from({ length: Math.ceil(bytes.length / 262_144) }, (_, i) =>
      bytes.subarray(i * 262_144, (i + 1) * 262_144),
    );
    const answer = await unfinishedUpload(a, patient.token, conversation.id, slices, {
      filename: SECRET_NAME,
      gapMs: 0,
      waitMs: 20_000,
    });
    expect(answer.status, answer.body).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe('message_too_large');
    expect(await s3.keys(prefix)).toEqual(before);
  });

  it('answers not_found for an attachment whose object is gone from the bucket', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const [doctor, patient] = await Promise.all([registerUser(a, { role: 'practitioner' }), registerUser(a)]);
    const conversation = await openConversation(a, doctor, patient);
    const uploaded = await upload(a, patient, conversation.id, pngOf(4000));
    expect(uploaded.status).toBe(201);
    const id = (uploaded.body.attachment as Attachment).id;
    await s3.deleteObject(`${prefix}${id}`);
    const answer = await fetch(`${b}/api/attachments/${id}`, {
      headers: { authorization: `Bearer ${patient.token}` },
    });
    expect(answer.status).toBe(404);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('attachments while S3 cannot be reached', () => {
  let s3: S3Server;
  let server: TestServer;
  const logs: string[] = [];

  beforeAll(async () => {
    s3 = await startS3Server();
    server = await startServer({
      env: { ...s3.env('outage/'), UPLOADS_PER_MINUTE: '1000' },
      logDestination: { write: (line: string) => void logs.push(line) },
    });
  });
  afterAll(async () => {
    await server?.close();
    await s3?.dispose();
  });

  it('answers 503 unavailable (retry shortly) without crashing, and serves again once S3 is back', async () => {
    const [doctor, patient] = await Promise.all([
      registerUser(server.url, { role: 'practitioner' }),
      registerUser(server.url),
    ]);
    const conversation = await openConversation(server.url, doctor, patient);
    const bytes = pngOf(50_000);
    const uploaded = await upload(server.url, patient, conversation.id, bytes);
    expect(uploaded.status).toBe(201);
    const id = (uploaded.body.attachment as Attachment).id;

    await s3.stop();
    const down = await fetch(`${server.url}/api/attachments/${id}`, {
      headers: { authorization: `Bearer ${patient.token}` },
    });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
    expect(((await down.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    const refused = await upload(server.url, patient, conversation.id, pngOf(3000));
    expect(refused.status).toBe(503);
    expect(refused.body.error?.code).toBe('unavailable');
    // The rest of the server goes on.
    const sent = await request(server.url, 'POST', `/api/conversations/${conversation.id}/messages`, {
      token: patient.token,
      body: { client_msg_id: 'during-outage', content: 'still here' },
    });
    expect(sent.status).toBe(201);

    await s3.start();
    const back = await download(server.url, patient, id);
    expect(back.status).toBe(200);
    expect(back.bytes.equals(bytes)).toBe(true);

    // The outage is logged by kind; neither the file's name nor its bytes are.
    const text = logs.join('');
    expect(text).toContain('attachment storage (S3) failed');
    expect(text).not.toContain(SECRET_NAME);
    expect(text).not.toContain(bytes.subarray(8, 40).toString('base64'));
  });
});

describe('the retention purge while S3 cannot be reached', () => {
  let s3: S3Server;
  let server: TestServer;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    s3 = await startS3Server();
    server = await startServer({ clock, env: { ...s3.env('retention/'), RETENTION_DAYS: '30' } });
  });
  afterAll(async () => {
    await server?.close();
    await s3?.dispose();
  });

  it('keeps track of bytes it could not remove and removes them on the next purge', async () => {
    const [doctor, patient] = await Promise.all([
      registerUser(server.url, { role: 'practitioner' }),
      registerUser(server.url),
    ]);
    const conversation = await openConversation(server.url, doctor, patient);
    const uploaded = await upload(server.url, patient, conversation.id, pngOf(20_000));
    const id = (uploaded.body.attachment as Attachment).id;
    const sent = await request(server.url, 'POST', `/api/conversations/${conversation.id}/messages`, {
      token: patient.token,
      body: { client_msg_id: 'old-scan', content: 'the scan', attachments: [{ id }] },
    });
    expect(sent.status).toBe(201);
    expect(await s3.keys('retention/')).toHaveLength(1);

    clock.advance(31 * 86_400_000);
    await s3.stop();
    const first = await server.app.core.retention.purge();
    expect(first).toMatchObject({ messages: 1, attachments: 0 });
    // The message is gone; its attachment is a tombstone (no message, no name, deleted), which
    // nothing serves or binds, until its bytes are removed.
    const [tombstone] = await server.store.findAttachments([id]);
    expect(tombstone).toMatchObject({ messageId: null, name: '' });
    expect(tombstone!.deletedAt).not.toBeNull();

    await s3.start();
    expect(await s3.keys('retention/')).toHaveLength(1);
    const second = await server.app.core.retention.purge();
    expect(second).toMatchObject({ messages: 0, attachments: 1 });
    expect(await s3.keys('retention/')).toEqual([]);
    expect(await server.store.findAttachments([id])).toEqual([]);
  });
});

describe('switching an existing deployment to S3', () => {
  let test: TestStore;
  let s3: S3Server;
  let folder: string;

  beforeAll(async () => {
    test = await createTestStore('sqlite');
    s3 = await startS3Server();
    folder = await mkdtemp(join(tmpdir(), 'carechat-s3-switch-'));
  });
  afterAll(async () => {
    await test.dispose();
    await s3.dispose();
    await rm(folder, { recursive: true, force: true });
  });

  it('still reads what the database storage holds, and writes new attachments to the bucket', async () => {
    const before = pngOf(3000);
    await chooseAttachmentStorage('database', test.store, folder).put('att_before', before);
    const storage = chooseAttachmentStorage('s3', test.store, folder, { s3: s3.settings('switch/') });
    expect(Buffer.from(await storage.read('att_before')).equals(before)).toBe(true);
    const after = pngOf(3000);
    await storage.put('att_after', after);
    expect(await s3.keys('switch/')).toEqual(['switch/att_after']);
    await storage.remove?.('att_before');
    await expect(storage.read('att_before')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('ATTACHMENT_STORAGE=s3 configuration', () => {
  const base = { NODE_ENV: 'test', JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789' };

  it('names every missing S3 option at start', () => {
    expect(() => loadConfig({ ...base, ATTACHMENT_STORAGE: 's3' })).toThrow(
      new ConfigError(
        'invalid configuration:\n  S3_REGION, S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: required when ATTACHMENT_STORAGE=s3',
      ),
    );
    expect(() =>
      loadConfig({ ...base, ATTACHMENT_STORAGE: 's3', S3_REGION: 'eu-west-3', S3_BUCKET: 'records' }),
    ).toThrow('S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: required when ATTACHMENT_STORAGE=s3');
  });

  it('refuses a malformed bucket or endpoint, never showing the secret', () => {
    let message = '';
    try {
      loadConfig({
        ...base,
        ATTACHMENT_STORAGE: 's3',
        S3_ENDPOINT: 'minio:9000',
        S3_REGION: 'us-east-1',
        S3_BUCKET: 'Not_A_Bucket',
        S3_ACCESS_KEY_ID: 'carechat',
        S3_SECRET_ACCESS_KEY: 'very-secret-value',
        S3_FORCE_PATH_STYLE: 'maybe',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/S3_ENDPOINT="minio:9000": must be an http\(s\) URL/);
    expect(message).toMatch(/S3_BUCKET="Not_A_Bucket": must be an S3 bucket name/);
    expect(message).toMatch(/S3_FORCE_PATH_STYLE="maybe"/);
    expect(message).not.toContain('very-secret-value');
  });

  it('reads the settings, with path-style off and no prefix by default', () => {
    const config = loadConfig({
      ...base,
      ATTACHMENT_STORAGE: 's3',
      S3_ENDPOINT: 'https://s3.example.org/',
      S3_REGION: 'eu-west-3',
      S3_BUCKET: 'records',
      S3_ACCESS_KEY_ID: 'carechat',
      S3_SECRET_ACCESS_KEY: 'very-secret-value',
    });
    expect(config.s3).toEqual({
      endpoint: 'https://s3.example.org',
      region: 'eu-west-3',
      bucket: 'records',
      accessKeyId: 'carechat',
      secretAccessKey: 'very-secret-value',
      forcePathStyle: false,
      prefix: '',
    });
    expect(loadConfig(base).s3).toBeUndefined();
  });
});
