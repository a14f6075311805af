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
import { domainEvent } from '../../core/events.js';
import type { Core } from '../../core/index.js';
import type { LiveSession } from '../../live/session.js';
import { attachDentistEvents } from '../compat/seed-002-nextdentist/dentist-handlers.js';
import { statusOf, withParticipantRows } from '../compat/seed-002-nextdentist/dentist-shapes.js';
import type { LeftRooms } from '../compat/socket-rooms.js';

type Ack = (response: SocketIoAck<Record<string, unknown>>) => void;

/**
 * One Socket.IO socket's client events, decoded at the edge into core calls that its live session
 * runs (serially, each after the session check). Joining a consultation checks access and
 * answers; delivery never depends on it: every conversation of the user reaches every socket.
 */
export class SocketIoConnection {
  constructor(
    private readonly core: Core,
    private readonly actor: Actor,
    private readonly session: LiveSession,
    private readonly rooms: LeftRooms,
  ) {}

  attach(socket: Socket): void {
    // Opening and leaving a consultation's room: the others hear it, and a left room goes quiet here.
    for (const [event, present] of [
      ['join_consultation', true],
      ['leave_consultation', false],
    ] as const) {
      socket.on(event, (payload: unknown, ack?: unknown) =>
        this.handle(ack, async () => {
          const consultationId = decode(consultationRefEventSchema, payload);
          const consultation = await this.core.consultations.enterRoom(
            this.actor,
            consultationId,
            present,
            this.session.id,
          );
          if (present) this.rooms.join(consultation.conversation_id);
          else this.rooms.leave(consultation.conversation_id);
          return present ? { consultation } : {};
        }),
      );
    }
    socket.on('send_message', (payload: unknown, ack?: unknown) =>
      this.handle(ack, async () => {
        const message = await this.send(decode(sendMessageEventSchema, payload));
        return { message: { ...message, status: statusOf(message) } };
      }),
    );
    socket.on('create_conversation', (payload: unknown, ack?: unknown) =>
      this.handle(ack, async () => {
        const input = decode(createConversationEventSchema, payload);
        const { conversation, created } = await this.core.conversations.open(this.actor, input);
        this.rooms.join(conversation.id);
        return { conversation: withParticipantRows(conversation, this.actor.userId), created };
      }),
    );
    attachDentistEvents(
      (name, run) =>
        socket.on(name, (payload: unknown, ack?: unknown) =>
          this.handle(ack, () => run((schema) => decode(schema, payload))),
        ),
      { core: this.core, actor: this.actor, session: this.session, rooms: this.rooms },
    );
  }

  private async send(event: SendMessageEvent) {
    const input = { clientMsgId: event.clientMsgId, content: event.content, replyTo: event.replyTo };
    const origin = { connectionId: this.session.id };
    const { message } =
      event.consultationId !== undefined
        ? await this.core.consultations.send(this.actor, event.consultationId, input, origin)
        : await this.core.messages.send(this.actor, event.conversationId ?? '', input, origin);
    // The sending socket sees its message like everyone else in the consultation (new_message).
    const sent = await this.core.eventContext.complete(
      domainEvent('message.created', [this.actor.userId], {
        message,
        senderRole: this.actor.role,
        ...(event.consultationId === undefined ? {} : { consultationId: event.consultationId }),
      }),
    );
    this.session.ack(message, sent);
    return message;
  }

  private handle(ack: unknown, run: () => Promise<Record<string, unknown>>): void {
    const reply: Ack | undefined = typeof ack === 'function' ? (ack as Ack) : undefined;
    this.session.perform(run).then(
      (result) => reply?.({ ok: true, ...result }),
      (error: unknown) => this.fail(reply, error),
    );
  }

  private fail(reply: Ack | undefined, error: unknown): void {
    const details = this.session.fail(error);
    reply?.({
      ok: false,
      error: {
        code: details.code,
        message: details.message,
        ...(details.retryAfter === undefined ? {} : { retry_after: details.retryAfter }),
      },
    });
  }
}

function decode<S extends z.ZodType>(schema: S, payload: unknown): z.output<S> {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new CoreError('invalid_request', describeIssues(parsed.error));
  return parsed.data;
}
