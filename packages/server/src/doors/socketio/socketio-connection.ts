import {
  consultationRefEventSchema,
  createConversationEventSchema,
  describeIssues,
  type SendMessageEvent,
  type SocketIoAck,
  sendMessageEventSchema,
} from '@carechat/protocol';
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import type { Actor } from '../../core/actor.js';
import { CoreError } from '../../core/errors.js';
import type { Core } from '../../core/index.js';
import type { Subscriber } from '../../core/subscriber.js';
import { describeFailure, type FailureLog } from '../failure.js';
import { SerialQueue } from '../serial-queue.js';

const MAX_QUEUED_EVENTS = 1000;

export type ConnectionLog = FailureLog;

type Ack = (response: SocketIoAck<Record<string, unknown>>) => void;

/**
 * One Socket.IO socket's client events, decoded at the edge and turned into core calls, one at a
 * time in arrival order (so a client's sends get seqs in the order it sent them). Joining a
 * consultation checks access and answers; delivery never depends on it: the hub delivers every
 * conversation of the user to every socket of theirs.
 */
export class SocketIoConnection {
  readonly #queue = new SerialQueue(MAX_QUEUED_EVENTS);

  constructor(
    private readonly core: Core,
    private readonly actor: Actor,
    private readonly subscriber: Subscriber,
    private readonly log: ConnectionLog,
  ) {}

  attach(socket: Socket): void {
    socket.on('join_consultation', (payload: unknown, ack?: unknown) =>
      this.handle(ack, async () => {
        const consultationId = decode(consultationRefEventSchema, payload);
        return { consultation: await this.core.consultations.open(this.actor, consultationId) };
      }),
    );
    socket.on('leave_consultation', (payload: unknown, ack?: unknown) =>
      this.handle(ack, async () => {
        decode(consultationRefEventSchema, payload);
        return {};
      }),
    );
    socket.on('send_message', (payload: unknown, ack?: unknown) =>
      this.handle(ack, async () => ({ message: await this.send(decode(sendMessageEventSchema, payload)) })),
    );
    socket.on('create_conversation', (payload: unknown, ack?: unknown) =>
      this.handle(ack, async () => {
        const input = decode(createConversationEventSchema, payload);
        return this.core.conversations.open(this.actor, input);
      }),
    );
  }

  private async send(event: SendMessageEvent) {
    const input = { clientMsgId: event.clientMsgId, content: event.content, replyTo: event.replyTo };
    const origin = { connectionId: this.subscriber.id };
    const { message } =
      event.consultationId !== undefined
        ? await this.core.consultations.send(this.actor, event.consultationId, input, origin)
        : await this.core.messages.send(this.actor, event.conversationId ?? '', input, origin);
    // The sending socket sees its message like everyone else in the consultation (new_message).
    this.subscriber.pushAck({ type: 'message_sent', ...message });
    return message;
  }

  private handle(ack: unknown, run: () => Promise<Record<string, unknown>>): void {
    const reply: Ack | undefined = typeof ack === 'function' ? (ack as Ack) : undefined;
    const queued = this.#queue.push(async () => {
      try {
        // Every event is a use of the session: it must still be live.
        try {
          await this.core.sessions.check(this.actor);
        } catch (error) {
          this.subscriber.revoke({
            type: 'session_revoked',
            session_ids: [this.actor.sessionId],
            reason: 'expired',
          });
          throw error;
        }
        const result = await run();
        reply?.({ ok: true, ...result });
      } catch (error) {
        this.fail(reply, error);
      }
    });
    if (!queued) this.fail(reply, new CoreError('rate_limited', 'Too many events waiting; slow down.'));
  }

  private fail(reply: Ack | undefined, error: unknown): void {
    const { code, message, retryAfter } = describeFailure(error, this.log, 'event');
    const details = { code, message, ...(retryAfter === undefined ? {} : { retry_after: retryAfter }) };
    this.subscriber.reply({ type: 'error', ...details });
    reply?.({ ok: false, error: details });
  }
}

function decode<S extends z.ZodType>(schema: S, payload: unknown): z.output<S> {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new CoreError('invalid_request', describeIssues(parsed.error));
  return parsed.data;
}
