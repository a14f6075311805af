import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AttachmentStorage } from '../core/ports/attachment-storage.js';
import type { Store } from '../core/ports/store.js';
import { databaseAttachmentStorageFor } from './database-attachment-storage.js';
import { FileAttachmentStorage } from './file-attachment-storage.js';
import { isKyselyBacked } from './kysely-backed.js';
import { S3AttachmentStorage, type S3Settings } from './s3-attachment-storage.js';

export type AttachmentStorageKind = 'database' | 'folder' | 's3';

/**
 * The storage ATTACHMENT_STORAGE names. `database` (the default) also reads the folder earlier
 * versions wrote to, and `s3` the database and then that folder, so attachments stored before a
 * switch stay downloadable without a copy (new ones go to the chosen storage only).
 */
export function chooseAttachmentStorage(
  kind: AttachmentStorageKind,
  store: Store,
  dataDir: string,
  options: { s3?: S3Settings | undefined; logger?: Logger } = {},
): AttachmentStorage {
  const folder = new FileAttachmentStorage(join(dataDir, 'attachments'));
  if (kind === 'folder') return folder;
  if (kind === 'database') return new WithEarlier(databaseAttachmentStorageFor(store), [folder]);
  if (!options.s3) throw new Error('ATTACHMENT_STORAGE=s3 needs the S3 settings');
  const earlier = isKyselyBacked(store) ? [databaseAttachmentStorageFor(store), folder] : [folder];
  return new WithEarlier(new S3AttachmentStorage(options.s3, options.logger), earlier);
}

/** Writes to `primary`; reads fall back to the storages of earlier versions, in order; removes from all. */
class WithEarlier implements AttachmentStorage {
  constructor(
    private readonly primary: AttachmentStorage,
    private readonly earlier: readonly AttachmentStorage[],
  ) {}

  put(key: string, bytes: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    return this.primary.put(key, bytes);
  }

  async read(key: string): Promise<Uint8Array> {
    for (const storage of [this.primary, ...this.earlier]) {
      try {
        return await storage.read(key);
      } catch (error) {
        if ((error as { code?: string }).code !== 'ENOENT') throw error;
      }
    }
    throw Object.assign(new Error('no such attachment'), { code: 'ENOENT' });
  }

  async remove(key: string): Promise<void> {
    for (const storage of [this.primary, ...this.earlier]) await storage.remove?.(key);
  }
}
