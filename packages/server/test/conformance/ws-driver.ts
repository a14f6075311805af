import { randomBytes } from 'node:crypto';
import type { Message, ServerFrame } from '@carechat/protocol';
import type { TestUser } from '../helpers/http.js';
import { TestSocket } from '../helpers/ws.js';
import {
  type DoorDriver,
  type DoorSession,
  type DoorTarget,
  type LiveEvent,
  type Outcome,
  OVERSIZE_BYTES,
} from './door.js';
import { Inbox } from './inbox.js';

type Frame = ServerFrame & Record<string, unknown>;

const CLOSE_CODES: Record<number, string> = { 4401: 'unauthenticated', 4403: 'not_participant' };

/** /ws frames as the table names events. */
export function liveEventOfFrame(frame: Frame): LiveEvent | undefined {
  if (frame.type === 'chat_message' || frame.type === 'message_sent') return { ...frame, type: 'message' };
  switch (frame.type) {
    case 'message_edited':
    case 'message_deleted':
    case 'typing_indicator':
    case 'read_receipt':
    case 'reaction_added':
      return frame as LiveEvent;
    default:
      return undefined;
  }
}

/** The frames of docs/protocol.md "WebSocket", on `/ws` or on seed 004's `/ws/chat/:id/`. */
class WsSession implements DoorSession {
  readonly #inbox: Inbox<Frame>;

  constructor(
    readonly socket: TestSocket,
    private readonly user: TestUser,
    /** Set on /ws/chat/:id/, where client frames leave the conversation out (seed 004). */
    private readonly pathConversation: boolean,
  ) {
    this.#inbox = new Inbox(() => socket.frames as Frame[]);
  }

  /** The answer to a frame the server answers either with `answer` or an error naming `ref`. */
  private answer(ref: string, answer: (f: Frame) => boolean, what: string): Promise<Outcome<Frame>> {
    return this.#inbox
      .take((f) => answer(f) || (f.type === 'error' && f.ref === ref), 5000, what)
      .then((f) => (f.type === 'error' ? { ok: false, code: String(f.code) } : { ok: true, value: f }));
  }

  /** After a frame the server answers only on failure: a ping round trip, then any new error. */
  private async settle(before: number): Promise<Outcome> {
    this.socket.send({ type: 'ping' });
    await this.#inbox.take((f) => f.type === 'pong', 5000, 'pong');
    const error = this.socket.frames.slice(before).find((f) => f.type === 'error') as Frame | undefined;
    return error ? { ok: false, code: String(error.code) } : { ok: true, value: undefined };
  }

  private target(conversationId: string) {
    return this.pathConversation ? {} : { conversation_id: conversationId };
  }

  async send(conversationId: string, content: string, clientMsgId?: string): Promise<Outcome<Message>> {
    const ref = clientMsgId ?? randomBytes(8).toString('hex');
    this.socket.send({ type: 'chat_message', ...this.target(conversationId), content, client_msg_id: ref });
    const outcome = await this.answer(
      ref,
      (f) => f.type === 'message_sent' && f.client_msg_id === ref,
      'message_sent',
    );
    if (!outcome.ok) return outcome;
    const { type: _type, ...message } = outcome.value;
    return { ok: true, value: message as unknown as Message };
  }

  edit(_conversationId: string, messageId: string, content: string): Promise<Outcome> {
    this.socket.send({ type: 'edit_message', message_id: messageId, content });
    return this.answer(
      messageId,
      (f) => f.type === 'message_edited' && f.message_id === messageId,
      'message_edited',
    );
  }

  delete(_conversationId: string, messageId: string): Promise<Outcome> {
    this.socket.send({ type: 'delete_message', message_id: messageId });
    return this.answer(
      messageId,
      (f) => f.type === 'message_deleted' && f.message_id === messageId,
      'message_deleted',
    );
  }

  react(_conversationId: string, messageId: string, emoji: string): Promise<Outcome> {
    this.socket.send({ type: 'add_reaction', message_id: messageId, emoji });
    return this.answer(
      messageId,
      (f) => f.type === 'reaction_added' && f.message_id === messageId && f.user_id === this.user.user.id,
      'reaction_added',
    );
  }

  typing(conversationId: string, isTyping: boolean): Promise<Outcome> {
    const before = this.socket.frames.length;
    this.socket.send({ type: 'typing_indicator', ...this.target(conversationId), is_typing: isTyping });
    return this.settle(before);
  }

  async read(conversationId: string, seq: number): Promise<Outcome> {
    const before = this.socket.frames.length;
    this.socket.send({ type: 'read_receipt', ...this.target(conversationId), seq });
    const settled = await this.settle(before);
    if (!settled.ok) return settled;
    await this.#inbox.take(
      (f) => f.type === 'read_receipt' && f.user_id === this.user.user.id && f.seq === seq,
      5000,
      'own read_receipt',
    );
    return settled;
  }

  async malformed(): Promise<Outcome> {
    const before = this.socket.frames.length;
    this.socket.send('{"type":"chat_message","content":');
    return this.settle(before);
  }

  async oversize(): Promise<string> {
    this.socket.send(`{"type":"ping","pad":"${'x'.repeat(OVERSIZE_BYTES)}"}`);
    const { code } = await this.socket.closed();
    return `close ${code}`;
  }

  async next(type: LiveEvent['type'], match: (event: LiveEvent) => boolean = () => true, timeoutMs = 5000) {
    const frame = await this.#inbox.take(
      (f) => {
        const event = liveEventOfFrame(f);
        return event?.type === type && match(event);
      },
      timeoutMs,
      type,
    );
    return liveEventOfFrame(frame)!;
  }

  async alive(): Promise<boolean> {
    if (!this.socket.isOpen) return false;
    await this.settle(this.socket.frames.length);
    return this.socket.isOpen;
  }

  close(): Promise<void> {
    return this.socket.close();
  }
}

/** `/ws` (`perConversation` false) or `/ws/chat/:conversation_id/` (true). */
export function wsDriver(target: DoorTarget, perConversation: boolean): DoorDriver {
  const path = (conversationId: string) => (perConversation ? `/ws/chat/${conversationId}/` : '/ws');

  async function connect(user: TestUser, conversationId: string): Promise<Outcome<WsSession>> {
    const socket = await TestSocket.connect(`${target.wsUrl}${path(conversationId)}`, { token: user.token });
    const session = new WsSession(socket, user, perConversation);
    // A refused upgrade closes with its code; an accepted one answers a ping.
    const closed = socket
      .closed()
      .then(({ code }) => ({ ok: false as const, code: CLOSE_CODES[code] ?? `close ${code}` }));
    const open = (async () => {
      if (!socket.isOpen) return closed;
      await session.alive();
      return { ok: true as const, value: session };
    })();
    return Promise.race([closed, open]);
  }

  return {
    name: perConversation ? 'WebSocket /ws/chat/:id/ (seed 004)' : 'WebSocket /ws',
    notOffered: {
      start: 'no frame starts a conversation on a socket; clients use POST /api/conversations',
    },
    oversizeRefusal: 'close 1009',
    connect,
    async resume(user, conversationId, afterSeq) {
      const connected = await connect(user, conversationId);
      if (!connected.ok) throw new Error(`resume: connect refused ${connected.code}`);
      const session = connected.value;
      session.socket.send({ type: 'resume', cursors: { [conversationId]: afterSeq } });
      await session.socket.next('resumed');
      const resumedAt = session.socket.frames.findIndex((f) => f.type === 'resumed');
      const replayed = session.socket.frames
        .slice(0, resumedAt)
        .filter((f) => f.type === 'chat_message' && f.conversation_id === conversationId)
        .map((f) => {
          const { type: _type, ...message } = f as Frame;
          return message as unknown as Message;
        });
      return { replayed, session };
    },
  };
}
