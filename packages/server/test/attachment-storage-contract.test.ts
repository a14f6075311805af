import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreError } from '../src/core/errors.js';
import type { AttachmentStorage } from '../src/core/ports/attachment-storage.js';
import { databaseAttachmentStorageFor } from '../src/store/database-attachment-storage.js';
import { FileAttachmentStorage } from '../src/store/file-attachment-storage.js';
import { S3_PART_BYTES, S3AttachmentStorage } from '../src/store/s3-attachment-storage.js';
import { createTestStore, DIALECTS } from './helpers/dialects.js';
import { startS3Server } from './helpers/s3-server.js';

const PNG_SIGNATURE = Buffer.from('89504e470d0a1a0a', 'hex');

function pngOf(size: number): Buffer {
  return Buffer.concat([PNG_SIGNATURE, randomBytes(size - PNG_SIGNATURE.length)]);
}

/** `bytes` in chunks as an upload streams them; `fail` is thrown once `failAfter` bytes are out. */
async function* chunks(
  bytes: Buffer,
  size: number,
  failAfter?: number,
  fail: () => Error = () => new Error('the upload broke off'),
): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) {
    if (failAfter !== undefined && at >= failAfter) throw fail();
    yield bytes.subarray(at, at + size);
  }
}

interface Subject {
  storage: AttachmentStorage;
  dispose(): Promise<void>;
}

/** Every storage ATTACHMENT_STORAGE can name, each on a real backend. */
const SUBJECTS: Array<[string, () => Promise<Subject>]> = [
  [
    'folder',
    async () => {
      const folder = await mkdtemp(join(tmpdir(), 'carechat-contract-'));
      return {
        storage: new FileAttachmentStorage(folder),
        dispose: () => rm(folder, { recursive: true, force: true }),
      };
    },
  ],
  ...DIALECTS.map((dialect): [string, () => Promise<Subject>] => [
    `database on ${dialect}`,
    async () => {
      const test = await createTestStore(dialect);
      return { storage: databaseAttachmentStorageFor(test.store), dispose: () => test.dispose() };
    },
  ]),
  [
    's3 (s3rver over HTTP)',
    async () => {
      const server = await startS3Server();
      const storage = new S3AttachmentStorage(server.settings('contract/'));
      return {
        storage,
        async dispose() {
          await storage.close();
          await server.dispose();
        },
      };
    },
  ],
];

/**
 * The port's promises (core/ports/attachment-storage.ts), the same cases for every storage: what
 * one backend guarantees, the others do too.
 */
describe.each(SUBJECTS)('attachment storage contract: %s', (_name, open) => {
  let subject: Subject;
  let storage: AttachmentStorage;

  beforeAll(async () => {
    subject = await open();
    storage = subject.storage;
  });
  afterAll(() => subject?.dispose());

  const missing = async (key: string) => expect(storage.read(key)).rejects.toMatchObject({ code: 'ENOENT' });

  it('stores a streamed upload larger than two S3 parts and reads it back whole', async () => {
    const bytes = pngOf(2 * S3_PART_BYTES + 100_003);
    await storage.put('att_streamed', chunks(bytes, 64 * 1024));
    expect(Buffer.from(await storage.read('att_streamed')).equals(bytes)).toBe(true);
  });

  it('stores bytes given whole, small and large, and an empty file', async () => {
    const small = pngOf(3000);
    const large = pngOf(S3_PART_BYTES + 7);
    await storage.put('att_small', small);
    await storage.put('att_large', large);
    await storage.put('att_empty', new Uint8Array(0));
    expect(Buffer.from(await storage.read('att_small')).equals(small)).toBe(true);
    expect(Buffer.from(await storage.read('att_large')).equals(large)).toBe(true);
    expect((await storage.read('att_empty')).length).toBe(0);
  });

  it('writes a key once: a second put is refused and the first bytes stay', async () => {
    const first = pngOf(2000);
    await storage.put('att_once', first);
    await expect(storage.put('att_once', pngOf(100))).rejects.toThrow();
    expect(Buffer.from(await storage.read('att_once')).equals(first)).toBe(true);
  });

  it('keeps nothing of an upload that breaks off after parts were sent', async () => {
    const bytes = pngOf(S3_PART_BYTES + 1_500_000);
    await expect(
      storage.put('att_broken', chunks(bytes, 256 * 1024, S3_PART_BYTES + 600_000)),
    ).rejects.toThrow('broke off');
    await missing('att_broken');
  });

  it('keeps nothing of an oversize upload, and its refusal is what the caller sees', async () => {
    // The core's cap throws message_too_large from the chunks once the file passes the limit.
    const tooLarge = new CoreError('message_too_large', 'Attachments are limited to 6000000 bytes.');
    const bytes = pngOf(7_000_000);
    await expect(
      storage.put(
        'att_oversize',
        chunks(bytes, 100_000, 6_000_000, () => tooLarge),
      ),
    ).rejects.toBe(tooLarge);
    await missing('att_oversize');
  });

  it('removes what it is told to; a missing key reads as ENOENT and removes quietly', async () => {
    await storage.put('att_gone', pngOf(2000));
    await storage.remove?.('att_gone');
    await missing('att_gone');
    await missing('att_never_stored');
    await expect(storage.remove?.('att_never_stored')).resolves.toBeUndefined();
  });
});
