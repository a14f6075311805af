import type { Conversation, Message, ServerFrame } from '@carechat/protocol';
import { describe, expect, it } from 'vitest';
import { domainEvent } from '../src/core/events.js';
import { OrderedDelivery } from '../src/live/ordered-delivery.js';
import { LiveSession } from '../src/live/session.js';
import { SlowConsumerPolicy } from '../src/live/slow-consumer.js';
import { wireMessage } from './helpers/wire-message.js';

const actor = { userId: 'u1', role: 'patient' as const, sessionId: 's1' };

const message = (seq: number, conversationId = 'c1'): Message =>
  wireMessage(seq, { conversation_id: conversationId });

/** A conversation as its announcement carries it, with no one in it the live layer looks at. */
const conversationOf = (id: string): Conversation => ({
  id,
  kind: 'direct',
  appointment_id: null,
  participants: [],
  last_message: null,
  unread_count: 0,
  muted: false,
  pinned: false,
  last_seq: 0,
  state: 'open',
  read_only_reason: null,
  open_until: null,
  created_at: '2026-01-05T10:00:00.000Z',
  last_activity_at: '2026-01-05T10:00:00.000Z',
});

function setup(stored: Message[] = []) {
  const sent: ServerFrame[] = [];
  const subscriber = new OrderedDelivery(({ frame }) => sent.push(frame), {
    gapWaitMs: 5,
    fillGap: async (conversationId, after, before) =>
      stored
        .filter((m) => m.conversation_id === conversationId && m.seq > after && m.seq < before)
        .map((message) => domainEvent('message.created', [actor.userId], { message })),
  });
  const seqs = () =>
    sent.flatMap((f) => (f.type === 'chat_message' || f.type === 'message_sent' ? [f.seq] : []));
  /** Messages of c1 arriving from the bus, in this order. */
  const hear = (...order: number[]) => {
    for (const seq of order) subscriber.push({ type: 'chat_message', ...message(seq) });
  };
  return { subscriber, sent, seqs, hear };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('OrderedDelivery (live/ordered-delivery.ts)', () => {
  it('drops duplicates', () => {
    const { subscriber, seqs } = setup();
    for (const seq of [1, 2, 2, 1, 3]) subscriber.push({ type: 'chat_message', ...message(seq) });
    expect(seqs()).toEqual([1, 2, 3]);
  });

  it('holds a message that overtook another until the earlier one arrives', () => {
    const { subscriber, seqs } = setup();
    subscriber.push({ type: 'chat_message', ...message(1) });
    subscriber.push({ type: 'chat_message', ...message(3) });
    expect(seqs()).toEqual([1]);
    subscriber.push({ type: 'chat_message', ...message(2) });
    expect(seqs()).toEqual([1, 2, 3]);
    subscriber.close();
  });

  it('fills a gap that does not close by itself from the store', async () => {
    const { subscriber, seqs } = setup([message(2), message(3)]);
    subscriber.push({ type: 'chat_message', ...message(1) });
    subscriber.push({ type: 'chat_message', ...message(4) });
    await wait(30);
    expect(seqs()).toEqual([1, 2, 3, 4]);
  });

  it('starts a positioned conversation after its position, whatever arrives first', () => {
    const { subscriber, seqs } = setup();
    subscriber.holdAll();
    // Seq 6 overtook seq 5 on the bus while the positions were being read.
    subscriber.push({ type: 'chat_message', ...message(6) });
    subscriber.position('c1', 4);
    subscriber.releaseAll();
    expect(seqs()).toEqual([]);
    subscriber.push({ type: 'chat_message', ...message(5) });
    expect(seqs()).toEqual([5, 6]);
    subscriber.close();
  });

  it('still delivers a message held during positioning that is older than the position', () => {
    const { subscriber, seqs } = setup();
    subscriber.holdAll();
    subscriber.push({ type: 'chat_message', ...message(4) });
    subscriber.position('c1', 4);
    subscriber.releaseAll();
    subscriber.push({ type: 'chat_message', ...message(5) });
    expect(seqs()).toEqual([4, 5]);
  });

  it('does not replay on resume what went out live after the position', async () => {
    const { subscriber, seqs } = setup();
    subscriber.holdAll();
    subscriber.position('c1', 2);
    subscriber.releaseAll();
    subscriber.push({ type: 'chat_message', ...message(3) });
    async function* history() {
      yield [message(1), message(2), message(3)];
    }
    await subscriber.resume('c1', 0, history());
    expect(seqs()).toEqual([3, 1, 2]);
  });

  it('re-sends an acknowledgement for a seq already delivered', () => {
    const { subscriber, seqs } = setup();
    subscriber.push({ type: 'message_sent', ...message(1) });
    subscriber.pushAck({ type: 'message_sent', ...message(1) });
    expect(seqs()).toEqual([1, 1]);
  });

  it('holds live messages during a resume and lets through only the ones after it', async () => {
    const { subscriber, seqs } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    async function* pages() {
      yield [message(3), message(4)];
      await gate;
      yield [message(5)];
    }
    const done = subscriber.resume('c1', 2, pages());
    await wait(1);
    subscriber.push({ type: 'chat_message', ...message(5) }); // also in the replay
    subscriber.push({ type: 'chat_message', ...message(6) }); // live only
    release();
    expect(await done).toBe(5);
    expect(seqs()).toEqual([3, 4, 5, 6]);
  });

  it('does not replay a message that arrived live before the resume frame', async () => {
    const { subscriber, seqs } = setup();
    subscriber.position('c1', 3);
    subscriber.push({ type: 'chat_message', ...message(4) });
    async function* pages() {
      yield [message(2), message(3), message(4)];
    }
    expect(await subscriber.resume('c1', 1, pages())).toBe(4);
    subscriber.push({ type: 'chat_message', ...message(5) });
    expect(seqs()).toEqual([4, 2, 3, 5]);
  });

  it('a resume puts in order what arrived before any position', async () => {
    const { subscriber, seqs, hear } = setup();
    hear(4);
    async function* pages() {
      yield [message(2), message(3), message(4)];
    }
    expect(await subscriber.resume('c1', 1, pages())).toBe(4);
    hear(5);
    expect(seqs()).toEqual([2, 3, 4, 5]);
  });

  describe('a conversation nothing positioned (joined after the connection opened)', () => {
    it('starts at seq 1 at once', () => {
      const { subscriber, seqs, hear } = setup();
      hear(1, 2);
      expect(seqs()).toEqual([1, 2]);
      subscriber.close();
    });

    it('does not start at a message that overtook seq 1', () => {
      const { subscriber, seqs, hear } = setup();
      hear(2);
      expect(seqs()).toEqual([]);
      hear(1);
      expect(seqs()).toEqual([1, 2]);
      subscriber.close();
    });

    it('starts where its announcement positions it, even when a message came first', () => {
      const { subscriber, seqs, hear } = setup();
      // Added at seq 5: seq 7 overtook both seq 6 and the announcement on the bus.
      hear(7);
      subscriber.position('c1', 5);
      expect(seqs()).toEqual([]);
      hear(6);
      expect(seqs()).toEqual([6, 7]);
      subscriber.close();
    });

    it('positioned by its announcement after a message older than the position, delivers that one too', () => {
      const { subscriber, seqs, hear } = setup();
      hear(5);
      subscriber.position('c1', 5);
      hear(6);
      expect(seqs()).toEqual([5, 6]);
    });

    it('with no announcement, starts at the earliest message heard once the wait runs out', async () => {
      const { seqs, hear } = setup([message(1), message(2), message(3), message(4), message(5)]);
      hear(5, 3);
      await wait(30);
      // 4 is loaded, 1 and 2 (before the first heard) are not this connection's to hold.
      expect(seqs()).toEqual([3, 4, 5]);
    });
  });

  it('fills a gap whose wait ran out during a resume once the resume is done', async () => {
    const { subscriber, seqs } = setup([message(1), message(2), message(3), message(4)]);
    subscriber.position('c1', 1);
    subscriber.push({ type: 'chat_message', ...message(2) });
    subscriber.push({ type: 'chat_message', ...message(4) }); // 3 is missing: the gap wait starts
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    async function* pages() {
      await gate; // the replay outlasts the gap wait
      yield [message(1), message(2)];
    }
    const done = subscriber.resume('c1', 0, pages());
    await wait(30);
    release();
    await done;
    await wait(30);
    expect(seqs()).toEqual([2, 1, 3, 4]);
  });

  it('on a per-conversation socket passes only that conversation (live session)', () => {
    const sent: ServerFrame[] = [];
    const session = new LiveSession(
      {} as ConstructorParameters<typeof LiveSession>[0],
      actor,
      { send: (frame) => sent.push(frame), bufferedBytes: () => 0, close: () => {} },
      {
        door: 'ws_chat',
        conversationId: 'c1',
        slowConsumer: new SlowConsumerPolicy(1000),
        log: { error: () => {} },
      },
    );
    session.deliver(domainEvent('message.created', ['u1', 'u2'], { message: message(1, 'c2') }));
    session.deliver(domainEvent('message.created', ['u1', 'u2'], { message: message(1, 'c1') }));
    expect(sent.map((f) => f.type === 'chat_message' && [f.conversation_id, f.seq])).toEqual([['c1', 1]]);
  });

  it('a new conversation whose messages overtook its announcement starts at seq 1 (live session)', () => {
    const sent: ServerFrame[] = [];
    const session = new LiveSession(
      {} as ConstructorParameters<typeof LiveSession>[0],
      actor,
      { send: (frame) => sent.push(frame), bufferedBytes: () => 0, close: () => {} },
      { door: 'ws', slowConsumer: new SlowConsumerPolicy(1000), log: { error: () => {} } },
    );
    // Three nodes published these; the bus handed them over in the worst order.
    session.deliver(domainEvent('message.created', ['u1', 'u2'], { message: message(2, 'c9') }));
    session.deliver(domainEvent('message.created', ['u1', 'u2'], { message: message(1, 'c9') }));
    session.deliver(
      domainEvent('conversation.created', ['u1', 'u2'], {
        conversation: conversationOf('c9'),
      }),
    );
    expect(sent.flatMap((f) => (f.type === 'chat_message' ? [f.seq] : []))).toEqual([1, 2]);
    session.close();
  });
});
