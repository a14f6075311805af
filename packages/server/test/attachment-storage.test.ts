import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Attachment, Message } from '@carechat/protocol';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseAttachmentStorage } from '../src/store/attachment-storage-choice.js';
import { type Cluster, startCluster } from './helpers/cluster.js';
import { createTestStore, DIALECTS, type TestStore } from './helpers/dialects.js';
import { openConversation, registerUser, request } from './helpers/http.js';

const PNG_SIGNATURE = Buffer.from('89504e470d0a1a0a', 'hex');

/** A PNG-signed file of `size` bytes (the server sniffs the signature, not the rest). */
function pngOf(size: number): Buffer {
  return Buffer.concat([PNG_SIGNATURE, randomBytes(size - PNG_SIGNATURE.length)]);
}

async function* chunks(bytes: Buffer, size: number, failAfter?: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) {
    if (failAfter !== undefined && at >= failAfter) throw new Error('the upload broke off');
    yield bytes.subarray(at, at + size);
  }
}

/**
 * Issue 17, point 5: attachment bytes live in the database by default, so every node serves
 * what any node stored; files of earlier versions (in the data folder) stay readable. What every
 * storage promises (written once, empty files, oversize, missing keys) is
 * attachment-storage-contract.test.ts; here, what is the database's own: its rows.
 */
describe.each(DIALECTS)('attachment bytes in the database on %s', (dialect) => {
  let test: TestStore;
  let folder: string;

  beforeAll(async () => {
    test = await createTestStore(dialect);
    folder = await mkdtemp(join(tmpdir(), 'carechat-attachments-'));
  });
  afterAll(async () => {
    await test.dispose();
    await rm(folder, { recursive: true, force: true });
  });

  const parts = async (key: string) =>
    Number(
      (
        await sql<{ n: number }>`select count(*) as n from attachment_parts where key = ${key}`.execute(
          (test.store as unknown as { db: Kysely<unknown> }).db,
        )
      ).rows[0]?.n,
    );

  it('stores a streamed upload in parts and reads it back whole', async () => {
    const storage = chooseAttachmentStorage('database', test.store, folder);
    const bytes = pngOf(1_300_000);
    await storage.put('att_streamed', chunks(bytes, 64 * 1024));
    expect(await parts('att_streamed')).toBe(3);
    expect(Buffer.from(await storage.read('att_streamed')).equals(bytes)).toBe(true);
  });

  it('keeps nothing of an upload that breaks off, and removes what it is told to', async () => {
    const storage = chooseAttachmentStorage('database', test.store, folder);
    await expect(storage.put('att_broken', chunks(pngOf(1_200_000), 100_000, 700_000))).rejects.toThrow(
      'broke off',
    );
    expect(await parts('att_broken')).toBe(0);
    await storage.put('att_gone', pngOf(2000));
    await storage.remove?.('att_gone');
    expect(await parts('att_gone')).toBe(0);
    await expect(storage.read('att_gone')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('still reads a file an earlier version wrote to the data folder', async () => {
    await mkdir(join(folder, 'attachments'), { recursive: true });
    const earlier = pngOf(5000);
    await writeFile(join(folder, 'attachments', 'att_earlier'), earlier);
    const storage = chooseAttachmentStorage('database', test.store, folder);
    expect(Buffer.from(await storage.read('att_earlier')).equals(earlier)).toBe(true);
    await storage.remove?.('att_earlier');
    await expect(storage.read('att_earlier')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('an attachment uploaded on one node downloads from another', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(2);
  });
  afterAll(() => cluster.dispose());

  it('serves the same bytes from node b that node a stored', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const [doctor, patient] = await Promise.all([registerUser(a, { role: 'practitioner' }), registerUser(a)]);
    const conversation = await openConversation(a, doctor, patient);
    const bytes = pngOf(1_100_000);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'scan.png');
    const uploaded = await fetch(`${a}/api/conversations/${conversation.id}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${patient.token}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    const { attachment } = (await uploaded.json()) as { attachment: Attachment };
    const sent = await request<{ message: Message }>(
      a,
      'POST',
      `/api/conversations/${conversation.id}/messages`,
      {
        token: patient.token,
        body: { client_msg_id: 'scan-1', content: 'the scan', attachments: [{ id: attachment.id }] },
      },
    );
    expect(sent.status).toBe(201);

    const downloaded = await fetch(`${b}/api/attachments/${attachment.id}`, {
      headers: { authorization: `Bearer ${doctor.token}` },
    });
    expect(downloaded.status).toBe(200);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(bytes)).toBe(true);
  });
});
