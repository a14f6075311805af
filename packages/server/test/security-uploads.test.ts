import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, type TestUser, unfinishedUpload } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
/** Issue 12, point 12: uploads are checked before they are read, and streamed under a size cap. */
describe.each(DIALECTS)('uploads on %s', (dialect) => {
  let server: TestServer;
  let doctor: TestUser;
  let patient: TestUser;
  let stranger: TestUser;

  beforeAll(async () => {
    server = await startServer({
      dialect,
      env: { ATTACHMENT_MAX_BYTES: '4096', UPLOADS_PER_MINUTE: '1000' },
    });
    [doctor, patient, stranger] = await Promise.all([
      registerUser(server.url, { role: 'practitioner' }),
      registerUser(server.url),
      registerUser(server.url),
    ]);
  });
  afterAll(() => server.close());

  const storedFiles = () => {
    try {
      return readdirSync(join(server.config.dataDir, 'attachments'));
    } catch {
      return [];
    }
  };

  it('refuses a non-participant’s upload before the body has been sent', async () => {
    const c = await openConversation(server.url, doctor, patient);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => unfinishedUpload(server.url, stranger.token, c.id, [PNG])),
    );
    for (const answer of answers) {
      expect(answer.status, answer.body).toBe(403);
      expect(JSON.parse(answer.body).error.code).toBe('not_participant');
    }
    expect(storedFiles()).toEqual([]);
  });

  it('refuses an oversize upload as soon as it passes the limit, keeping none of it', async () => {
    const c = await openConversation(server.url, doctor, patient);
    const before = storedFiles();
    const answer = await unfinishedUpload(server.url, patient.token, c.id, [
      Buffer.concat([PNG, Buffer.alloc(64 * 1024)]),
    ]);
    expect(answer.status, answer.body).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe('message_too_large');
    expect(storedFiles()).toEqual(before);
    // The limit passed while the server waits for more: two parts 100 ms apart, so the server has
    // read the first before the next arrives.
    const slow = await unfinishedUpload(server.url, patient.token, c.id, [
      Buffer.concat([PNG, Buffer.alloc(3000)]),
      Buffer.alloc(3000),
    ]);
    expect(slow.status, slow.body).toBe(413);
    expect(storedFiles()).toEqual(before);
  });

  it('refuses a file that is not an allowed type from its first bytes, without reading the rest', async () => {
    const c = await openConversation(server.url, doctor, patient);
    const answer = await unfinishedUpload(server.url, patient.token, c.id, [
      Buffer.from('#!/bin/sh\nrm -rf / # pretend'),
    ]);
    expect(answer.status, answer.body).toBe(400);
    expect(JSON.parse(answer.body).error.code).toBe('invalid_request');
  });
});
