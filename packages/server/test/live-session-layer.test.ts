import type { Message, ServerFrame } from '@carechat/protocol';
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus/memory-bus.js';
import type { ConnectionLifecycle } from '../src/core/connection-lifecycle.js';
import { CoreError } from '../src/core/errors.js';
import { domainEvent, messageCreated, messageNotification } from '../src/core/events.js';
import { jsonFrame } from '../src/doors/json-frame.js';
import { encodeFrame } from '../src/doors/socketio/socketio-frames.js';
import { framesFor } from '../src/live/event-frames.js';
import { Hub } from '../src/live/hub.js';
import { type CloseReason, LiveSession, type LiveSink } from '../src/live/session.js';
import { SlowConsumerPolicy } from '../src/live/slow-consumer.js';
import { wireMessage } from './helpers/wire-message.js';

const message = (seq: number, senderId = 'u2'): Message => wireMessage(seq, { sender_id: senderId });

interface FakeSink extends LiveSink {
  frames: ServerFrame[];
  closed: CloseReason[];
  buffered: number;
}

function fakeSink(): FakeSink {
  const sink: FakeSink = {
    frames: [],
    closed: [],
    buffered: 0,
    send: (frame) => sink.frames.push(frame),
    bufferedBytes: () => sink.buffered,
    close: (reason) => sink.closed.push(reason),
  };
  return sink;
}

function session(
  userId: string,
  sink: LiveSink,
  core: Partial<{ sessions: { check(): Promise<{ role: 'patient'; status: 'active' }> } }> = {},
  sessionId = `s-${userId}`,
) {
  return new LiveSession(
    core as unknown as ConstructorParameters<typeof LiveSession>[0],
    { userId, role: 'patient', sessionId },
    sink,
    { door: 'ws', slowConsumer: new SlowConsumerPolicy(1000), log: { error: () => {} } },
  );
}

const lifecycle: ConnectionLifecycle = { connected: async () => {}, disconnected: async () => {} };

describe('the live-session layer', () => {
  describe('domain events to frames', () => {
    it('renders an event once per perspective, shared by every recipient on the node', () => {
      const event = messageCreated(
        message(1),
        [{ userId: 'u1' }, { userId: 'u2' }, { userId: 'u3' }],
        {
          connectionId: 'con_sender',
        },
        'patient',
      );
      const [forU1] = framesFor(event, { userId: 'u1', connectionId: 'con_a' });
      const [forU3] = framesFor(event, { userId: 'u3', connectionId: 'con_b' });
      expect(forU1).toMatchObject({ type: 'chat_message', seq: 1 });
      // The same object, so each door's encoding of it (JSON, Socket.IO) is computed once too.
      expect(forU3).toBe(forU1);
      expect(jsonFrame(forU1!)).toBe(jsonFrame(forU3!));
    });

    it("gives the sender's other devices message_sent, and the sending connection nothing (it got its ack)", () => {
      const event = messageCreated(
        message(1),
        [{ userId: 'u1' }, { userId: 'u2' }],
        {
          connectionId: 'con_sender',
        },
        'patient',
      );
      expect(framesFor(event, { userId: 'u2', connectionId: 'con_other' })).toMatchObject([
        { type: 'message_sent', seq: 1 },
      ]);
      expect(framesFor(event, { userId: 'u2', connectionId: 'con_sender' })).toEqual([]);
    });

    it('adds a notification to the message for those it notifies, the preview only for those who asked', () => {
      const m = message(1);
      const event = messageCreated(
        m,
        [{ userId: m.sender_id }, { userId: 'u1' }, { userId: 'u3' }, { userId: 'u4' }],
        {},
        'patient',
        // u4 muted the conversation: the message, no notification.
        messageNotification(m, ['u1', 'u3'], new Set(['u3']), 'preview text'),
      );
      const [message1, notification1] = framesFor(event, { userId: 'u1', connectionId: 'a' });
      expect(message1).toMatchObject({ type: 'chat_message', seq: 1 });
      expect(notification1).toMatchObject({ type: 'notification', seq: 1 });
      expect(notification1).not.toHaveProperty('preview');
      expect(framesFor(event, { userId: 'u3', connectionId: 'b' })[1]).toMatchObject({
        type: 'notification',
        preview: 'preview text',
      });
      expect(framesFor(event, { userId: 'u4', connectionId: 'c' }).map((f) => f.type)).toEqual([
        'chat_message',
      ]);
    });

    it('announces a conversation with conversation_created then conversation_refresh', () => {
      const event = domainEvent('conversation.created', ['u1'], {
        conversation: { id: 'c9' } as never,
      });
      expect(framesFor(event, { userId: 'u1', connectionId: 'a' }).map((f) => f.type)).toEqual([
        'conversation_created',
        'conversation_refresh',
      ]);
    });

    it("encodes Socket.IO's new_message from the event's payload, with no look-up", () => {
      const event = {
        ...messageCreated(message(1), [{ userId: 'u1' }], {}, 'patient'),
        consultationId: 'cons_1',
        senderRole: 'practitioner' as const,
      };
      const [frame] = framesFor(event, { userId: 'u1', connectionId: 'a' });
      expect(encodeFrame(frame!, event)).toEqual([
        'new_message',
        expect.objectContaining({ consultationId: 'cons_1', sender: 'doctor', messageId: 'm1' }),
      ]);
    });
  });

  describe('a live session', () => {
    it('cuts a slow consumer off instead of writing more', () => {
      const sink = fakeSink();
      const live = session('u1', sink);
      live.deliver(messageCreated(message(1), [{ userId: 'u1' }, { userId: 'u2' }], {}, 'patient'));
      sink.buffered = 5000;
      live.deliver(messageCreated(message(2), [{ userId: 'u1' }, { userId: 'u2' }], {}, 'patient'));
      expect(sink.frames.map((f) => f.type === 'chat_message' && f.seq)).toEqual([1]);
      expect(sink.closed).toEqual(['slow_consumer']);
    });

    it('checks the session before every action, and on failure tells the client and closes', async () => {
      const sink = fakeSink();
      const live = session('u1', sink, {
        sessions: {
          check: async () => {
            throw new CoreError('unauthenticated');
          },
        },
      });
      let ran = false;
      await expect(
        live.perform(async () => {
          ran = true;
        }),
      ).rejects.toMatchObject({ code: 'unauthenticated' });
      expect(ran).toBe(false);
      expect(sink.frames).toEqual([{ type: 'session_revoked', session_ids: ['s-u1'], reason: 'expired' }]);
      expect(sink.closed).toEqual(['revoked']);
    });

    it('runs actions one at a time, in arrival order', async () => {
      const live = session('u1', fakeSink(), {
        sessions: { check: async () => ({ role: 'patient', status: 'active' }) },
      });
      const order: number[] = [];
      const slow = live.perform(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        order.push(1);
      });
      const fast = live.perform(async () => {
        order.push(2);
      });
      await Promise.all([slow, fast]);
      expect(order).toEqual([1, 2]);
    });
  });

  describe('the hub', () => {
    it('delivers by recipient, and revokes only the sessions named', async () => {
      const bus = new MemoryBus();
      const hub = new Hub(bus, lifecycle);
      const mine = fakeSink();
      const other = fakeSink();
      const stranger = fakeSink();
      await hub.add(session('u1', mine, {}, 's1'));
      await hub.add(session('u1', other, {}, 's2'));
      await hub.add(session('u9', stranger, {}, 's9'));

      await bus.publish(messageCreated(message(1), [{ userId: 'u1' }, { userId: 'u2' }], {}, 'patient'));
      expect([mine.frames.length, other.frames.length, stranger.frames.length]).toEqual([1, 1, 0]);

      await bus.publish(domainEvent('session.revoked', ['u1'], { sessionIds: ['s2'], reason: 'logout' }));
      expect(mine.closed).toEqual([]);
      expect(other.closed).toEqual(['revoked']);
      expect(other.frames.at(-1)).toEqual({ type: 'session_revoked', session_ids: ['s2'], reason: 'logout' });
      hub.close();
    });
  });
});
