import { join } from 'node:path';
import type { AttachmentStorage } from '../core/ports/attachment-storage.js';
import type { Store } from '../core/ports/store.js';
import { databaseAttachmentStorageFor } from './database-attachment-storage.js';
import { FileAttachmentStorage } from './file-attachment-storage.js';

export type AttachmentStorageKind = 'database' | 'folder';

/**
 * The storage ATTACHMENT_STORAGE names. `database` (the default) also reads the folder earlier
 * versions wrote to, so attachments stored before the upgrade stay downloadable without a copy.
 */
export function chooseAttachmentStorage(
  kind: AttachmentStorageKind,
  store: Store,
  dataDir: string,
): AttachmentStorage {
  const folder = new FileAttachmentStorage(join(dataDir, 'attachments'));
  if (kind === 'folder') return folder;
  return new WithEarlierFolder(databaseAttachmentStorageFor(store), folder);
}

/** Writes to `primary`; reads fall back to the folder of earlier versions; removes from both. */
class WithEarlierFolder implements AttachmentStorage {
  constructor(
    private readonly primary: AttachmentStorage,
    private readonly earlier: FileAttachmentStorage,
  ) {}

  put(key: string, bytes: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    return this.primary.put(key, bytes);
  }

  async read(key: string): Promise<Uint8Array> {
    try {
      return await this.primary.read(key);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
      return this.earlier.read(key);
    }
  }

  async remove(key: string): Promise<void> {
    await this.primary.remove?.(key);
    await this.earlier.remove(key);
  }
}
