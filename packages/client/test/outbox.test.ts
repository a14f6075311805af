import type { Message } from '@carechat/protocol';
import { describe, expect, it } from 'vitest';
import { CarechatError } from '../src/errors.js';
import { Outbox } from '../src/outbox.js';
import { type OutboxEntry, webStorageOutboxStore } from '../src/outbox-store.js';
import type { KeyValueStorage } from '../src/platform.js';
import { testMessage } from './helpers/fixtures.js';

class MapStorage implements KeyValueStorage {
  readonly map = new Map<string, string>();
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.map.set(key, value);
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
}

const entry = (id: string): OutboxEntry => ({
  client_msg_id: id,
  conversation_id: 'c',
  content: `text ${id}`,
  reply_to: null,
  created_at: '2026-01-05T10:00:00.000Z',
  status: 'pending',
  attempts: 0,
});
const stored = (id: string, seq: number): Message =>
  testMessage(seq, { message_id: `m-${id}`, conversation_id: 'c', client_msg_id: id, content: `text ${id}` });

describe('Outbox', () => {
  it('survives a reload through web storage; sends on the wire come back as pending', async () => {
    const storage = new MapStorage();
    const first = new Outbox(webStorageOutboxStore(storage, 'k'), () => {});
    void first.add(entry('a'));
    void first.add(entry('b'));
    first.markSending('a');
    // The page reloads: a new outbox on the same storage.
    const second = new Outbox(webStorageOutboxStore(storage, 'k'), () => {});
    expect(second.entries.map((e) => [e.client_msg_id, e.status])).toEqual([
      ['a', 'pending'],
      ['b', 'pending'],
    ]);
    const settled = second.wait('a');
    expect(second.acknowledge('a', stored('a', 1))).toBe(true);
    await expect(settled).resolves.toMatchObject({ seq: 1 });
    second.acknowledge('b', stored('b', 2));
    expect(storage.map.has('k')).toBe(false);
  });

  it('keeps a refused send as failed until retried or discarded', async () => {
    const changes: string[] = [];
    const outbox = new Outbox(webStorageOutboxStore(new MapStorage(), 'k'), (c) => changes.push(c.kind));
    const settled = outbox.add(entry('a'));
    outbox.markSending('a');
    outbox.fail('a', new CarechatError('message_too_large', 'too big'));
    await expect(settled).rejects.toThrow('too big');
    expect(outbox.get('a')?.status).toBe('failed');
    const again = outbox.retry('a');
    expect(outbox.pending().map((e) => e.client_msg_id)).toEqual(['a']);
    outbox.discard('a');
    await expect(again).rejects.toMatchObject({ code: 'cancelled' });
    expect(changes).toEqual(['added', 'sending', 'failed', 'pending', 'discarded']);
  });

  it('on a shared browser, one user’s unsent messages are neither listed nor sent for another', () => {
    const storage = new MapStorage();
    let user = 'usr_a';
    const first = new Outbox(
      webStorageOutboxStore(storage, 'k'),
      () => {},
      () => user,
    );
    void first.add({ ...entry('from-a'), owner: 'usr_a' });
    // usr_b signs in on the same browser: the page reloads with the same storage.
    user = 'usr_b';
    const second = new Outbox(
      webStorageOutboxStore(storage, 'k'),
      () => {},
      () => user,
    );
    expect(second.entries).toEqual([]);
    expect(second.pending()).toEqual([]);
    expect(second.get('from-a')).toBeUndefined();
    void second.add({ ...entry('from-b'), owner: 'usr_b' });
    expect(second.pending().map((e) => e.client_msg_id)).toEqual(['from-b']);
    // usr_a comes back: their message is still there, and only theirs is theirs.
    user = 'usr_a';
    expect(second.pending().map((e) => e.client_msg_id)).toEqual(['from-a']);
  });

  it('ignores corrupt storage', () => {
    const storage = new MapStorage();
    storage.setItem('k', '{not json');
    expect(new Outbox(webStorageOutboxStore(storage, 'k'), () => {}).size).toBe(0);
    storage.setItem('k', JSON.stringify([{ nope: 1 }, entry('x')]));
    expect(
      new Outbox(webStorageOutboxStore(storage, 'k'), () => {}).entries.map((e) => e.client_msg_id),
    ).toEqual(['x']);
  });
});
