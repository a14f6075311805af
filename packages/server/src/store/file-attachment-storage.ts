import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttachmentStorage } from '../core/ports/attachment-storage.js';

const KEY = /^[A-Za-z0-9_-]{1,100}$/;

/** Attachment bytes as files in one folder (under the data folder by default). */
export class FileAttachmentStorage implements AttachmentStorage {
  constructor(private readonly folder: string) {}

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await mkdir(this.folder, { recursive: true });
    await writeFile(this.path(key), bytes, { flag: 'wx', mode: 0o600 });
  }

  async read(key: string): Promise<Uint8Array> {
    return readFile(this.path(key));
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  private path(key: string): string {
    if (!KEY.test(key)) throw new Error('invalid attachment key');
    return join(this.folder, key);
  }
}
