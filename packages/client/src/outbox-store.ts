import type { KeyValueStorage } from './platform.js';

/** A send kept until the server acknowledges it. Persisted as is, so keep it plain data. */
export interface OutboxEntry {
  client_msg_id: string;
  conversation_id: string;
  content: string;
  reply_to: string | null;
  /** Uploads sent with the message, by id. */
  attachments?: Array<{ id: string }>;
  created_at: string;
  /**
   * `pending`: waiting for a connection or a retry; `sending`: on the wire, not acknowledged yet;
   * `failed`: refused for good (the app may retry or discard it).
   */
  status: 'pending' | 'sending' | 'failed';
  attempts: number;
  /**
   * The user it was written as (the token's subject), so that on a shared browser one user's
   * unsent messages are never sent, or shown, under another's session. Null when unknown.
   */
  owner?: string | null;
  error?: { code: string; message: string };
}

/** Where the outbox survives: a page reload in browsers, nothing in Node (memory). */
export interface OutboxStore {
  load(): OutboxEntry[];
  /** Called after every change, before the change is acted on; `entries` is oldest first. */
  save(entries: Iterable<OutboxEntry>): void;
}

/** Node's default: the outbox lives in the client's memory only, so there is nothing to write. */
export function memoryOutboxStore(): OutboxStore {
  return { load: () => [], save: () => {} };
}

/** The outbox as one JSON value under `key` in localStorage (or any storage with its API). */
export function webStorageOutboxStore(storage: KeyValueStorage, key: string): OutboxStore {
  return {
    load() {
      try {
        const raw = storage.getItem(key);
        const parsed: unknown = raw ? JSON.parse(raw) : [];
        return Array.isArray(parsed) ? (parsed as OutboxEntry[]).filter(isEntry) : [];
      } catch {
        return [];
      }
    },
    save(entries) {
      try {
        const list = [...entries];
        if (list.length === 0) storage.removeItem(key);
        else storage.setItem(key, JSON.stringify(list));
      } catch {
        // Quota exceeded or storage disabled: the sends still go out; only reload-survival is lost.
      }
    },
  };
}

function isEntry(value: unknown): value is OutboxEntry {
  const e = value as Partial<OutboxEntry> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.client_msg_id === 'string' &&
    typeof e.conversation_id === 'string' &&
    typeof e.content === 'string'
  );
}
