import type { Message } from '@carechat/protocol';
import { describe, expect, it } from 'vitest';
import { Timeline } from '../src/timeline.js';
import { testMessage } from './helpers/fixtures.js';

const msg = (seq: number, id = `m${seq}`): Message =>
  testMessage(seq, { message_id: id, conversation_id: 'c' });
const seqs = (ms: Message[]) => ms.map((m) => m.seq);

describe('Timeline', () => {
  it('hands over messages in seq order, each once, holding back those ahead of a gap', () => {
    const t = new Timeline('c');
    t.position(0);
    expect(seqs(t.accept(msg(1)))).toEqual([1]);
    expect(seqs(t.accept(msg(3)))).toEqual([]);
    expect(seqs(t.accept(msg(4)))).toEqual([]);
    expect(t.gap()).toEqual({ afterSeq: 1, beforeSeq: 3 });
    expect(seqs(t.accept(msg(2)))).toEqual([2, 3, 4]);
    expect(t.hasGap).toBe(false);
    // Replays and retries change nothing.
    for (const seq of [1, 2, 3, 4]) expect(t.accept(msg(seq))).toEqual([]);
    expect(seqs(t.messages)).toEqual([1, 2, 3, 4]);
    expect(t.lastSeq).toBe(4);
  });

  it('dedupes by message_id even when a seq repeats ahead', () => {
    const t = new Timeline('c');
    t.position(0);
    t.accept(msg(2));
    t.accept(msg(2));
    expect(seqs(t.accept(msg(1)))).toEqual([1, 2]);
  });

  it('an untracked conversation starts at the first message seen; older ones are history', () => {
    const t = new Timeline('c');
    expect(seqs(t.accept(msg(7)))).toEqual([7]);
    expect(t.accept(msg(5))).toEqual([]);
    expect(seqs(t.prepend([msg(5), msg(6)]))).toEqual([5, 6]);
    expect(seqs(t.messages)).toEqual([5, 6, 7]);
    expect(t.firstSeq).toBe(5);
  });

  it('position is kept once set', () => {
    const t = new Timeline('c');
    t.position(10);
    t.position(0);
    expect(t.lastSeq).toBe(10);
    expect(seqs(t.accept(msg(11)))).toEqual([11]);
  });

  it('applies edits to held messages', () => {
    const t = new Timeline('c');
    t.position(0);
    t.accept(msg(1));
    expect(t.update('m1', { content: 'edited', is_edited: true })).toMatchObject({ content: 'edited' });
    expect(t.messages[0]?.is_edited).toBe(true);
    expect(t.update('missing', { content: 'x' })).toBeUndefined();
  });
});
