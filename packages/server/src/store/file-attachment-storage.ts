import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AttachmentStorage } from '../core/ports/attachment-storage.js';

const KEY = /^[A-Za-z0-9_-]{1,100}$/;

/** Attachment bytes as files in one folder (under the data folder by default). */
export class FileAttachmentStorage implements AttachmentStorage {
  constructor(private readonly folder: string) {}

  async put(key: string, bytes: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    await mkdir(this.folder, { recursive: true });
    const path = this.path(key);
    if (bytes instanceof Uint8Array) {
      await writeFile(path, bytes, { flag: 'wx', mode: 0o600 });
      return;
    }
    try {
      await pipeline(Readable.from(bytes), createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      // Half-written: nothing stays (a key taken already is left alone).
      if ((error as { code?: string }).code !== 'EEXIST') await rm(path, { force: true });
      throw error;
    }
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
