import type { Kysely } from 'kysely';
import type { AttachmentStorage } from '../core/ports/attachment-storage.js';
import type { Store } from '../core/ports/store.js';
import { isKyselyBacked } from './kysely-backed.js';

/** Bytes per stored part: small enough to never hold much in memory, large enough to be few rows. */
const PART_BYTES = 512 * 1024;

interface PartsDatabase {
  attachment_parts: { key: string; part: number; bytes: Uint8Array };
}

/**
 * Attachment bytes in the database the messages live in (migration 0008), so that every node
 * serves what any node stored: a cluster needs no shared folder. The default storage; a folder
 * (FileAttachmentStorage) is the option for a single node that prefers files.
 */
export class DatabaseAttachmentStorage implements AttachmentStorage {
  readonly #db: Kysely<PartsDatabase>;

  // Any database the migrations ran on: this class names its one table itself.
  // biome-ignore lint/suspicious/noExplicitAny: the storage takes the store's database as it is.
  constructor(db: Kysely<any>) {
    this.#db = db as unknown as Kysely<PartsDatabase>;
  }

  async put(key: string, bytes: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    const taken = await this.#db
      .selectFrom('attachment_parts')
      .select('part')
      .where('key', '=', key)
      .limit(1)
      .executeTakeFirst();
    if (taken) throw new Error('attachment key taken');
    let part = 0;
    const write = async (chunk: Uint8Array) => {
      await this.#db.insertInto('attachment_parts').values({ key, part, bytes: chunk }).execute();
      part += 1;
    };
    try {
      if (bytes instanceof Uint8Array) {
        for (let at = 0; at < bytes.length || part === 0; at += PART_BYTES) {
          await write(bytes.subarray(at, at + PART_BYTES));
        }
        return;
      }
      let pending: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of bytes) {
        pending.push(chunk);
        size += chunk.length;
        while (size >= PART_BYTES) {
          const joined = Buffer.concat(pending, size);
          await write(joined.subarray(0, PART_BYTES));
          const rest = joined.subarray(PART_BYTES);
          pending = rest.length > 0 ? [rest] : [];
          size = rest.length;
        }
      }
      if (size > 0 || part === 0) await write(Buffer.concat(pending, size));
    } catch (error) {
      // Half-written (the upload broke off, or was over its cap): nothing stays under the key.
      await this.remove(key);
      throw error;
    }
  }

  async read(key: string): Promise<Uint8Array> {
    const rows = await this.#db
      .selectFrom('attachment_parts')
      .select('bytes')
      .where('key', '=', key)
      .orderBy('part')
      .execute();
    if (rows.length === 0) throw Object.assign(new Error('no such attachment'), { code: 'ENOENT' });
    return Buffer.concat(rows.map((r) => r.bytes));
  }

  async remove(key: string): Promise<void> {
    await this.#db.deleteFrom('attachment_parts').where('key', '=', key).execute();
  }
}

/** The database storage sharing the store's connection (app.ts's default). */
export function databaseAttachmentStorageFor(store: Store): DatabaseAttachmentStorage {
  if (isKyselyBacked(store)) return new DatabaseAttachmentStorage(store.db);
  throw new Error('no database attachment storage for this store: pass one in the app deps');
}
