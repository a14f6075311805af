import { randomBytes } from 'node:crypto';
import type { Message } from '@carechat/protocol';
import type { TestUser } from '../helpers/http.js';
import { TestSocketIo, type Transport } from '../helpers/socketio.js';
import {
  type DoorDriver,
  type DoorSession,
  type DoorTarget,
  type LiveEvent,
  type Outcome,
  OVERSIZE_BYTES,
} from './door.js';
import { Inbox } from './inbox.js';

interface Ack {
  ok: boolean;
  error?: { code: string };
  [field: string]: unknown;
}

type Received = TestSocketIo['received'][number];

/** Socket.IO events as the table names them: `new_message` is a message; the rest keep their name. */
function liveEventOf({ event, payload }: Received): LiveEvent | undefined {
  if (event === 'new_message') return { ...payload, type: 'message' };
  switch (event) {
    case 'message_edited':
    case 'message_deleted':
    case 'typing_indicator':
    case 'read_receipt':
    case 'reaction_added':
      return { ...payload, type: event };
    default:
      return undefined;
  }
}

function outcomeOf<T>(ack: Ack, pick: (ack: Ack) => T): Outcome<T> {
  return ack.ok ? { ok: true, value: pick(ack) } : { ok: false, code: ack.error?.code ?? 'no code' };
}

/** The events of seeds 002/003 (docs/protocol.md "Socket.IO door"). */
class SocketIoSession implements DoorSession {
  readonly #inbox: Inbox<Received>;

  constructor(
    private readonly client: TestSocketIo,
    private readonly target: DoorTarget,
    /** Seed 003 addresses a consultation by its id; seed 002 and newer clients, the conversation. */
    private readonly byConsultation: boolean,
  ) {
    this.#inbox = new Inbox(() => client.received);
  }

  async send(conversationId: string, content: string, clientMsgId?: string): Promise<Outcome<Message>> {
    const consultationId = this.byConsultation ? this.target.consultationOf(conversationId) : undefined;
    const ack = await this.client.request<Ack>('send_message', {
      ...(consultationId ? { consultationId } : { conversationId }),
      content,
      clientMsgId: clientMsgId ?? randomBytes(8).toString('hex'),
    });
    return outcomeOf(ack, (a) => a.message as Message);
  }

  async start(participantIds: string[]): Promise<Outcome<{ id: string }>> {
    const ack = await this.client.request<Ack>('create_conversation', { participantIds });
    return outcomeOf(ack, (a) => a.conversation as { id: string });
  }

  async malformed(): Promise<Outcome> {
    return outcomeOf(await this.client.request<Ack>('send_message', 42), () => undefined);
  }

  async oversize(): Promise<string> {
    const gone = new Promise<string>((resolve) =>
      this.client.socket.once('disconnect', () => resolve('disconnected')),
    );
    this.client.socket.emit('send_message', { conversationId: 'x', content: 'x'.repeat(OVERSIZE_BYTES) });
    return gone;
  }

  async next(type: LiveEvent['type'], match: (event: LiveEvent) => boolean = () => true, timeoutMs = 5000) {
    const got = await this.#inbox.take(
      (r) => {
        const event = liveEventOf(r);
        return event?.type === type && match(event);
      },
      timeoutMs,
      type,
    );
    return liveEventOf(got)!;
  }

  async alive(): Promise<boolean> {
    if (!this.client.socket.connected) return false;
    // Any answer will do (leaving a consultation that is not yours is refused): the socket answers.
    return typeof (await this.client.request<Ack>('leave_consultation', 'cns_none')).ok === 'boolean';
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

const NO_CLIENT_EVENT = (what: string) =>
  `seeds 002/003 define no client event to ${what}; the socket still receives the others' ${what} events`;

/** Socket.IO, sending by consultation id (seed 003) or by conversation id, over one transport. */
export function socketIoDriver(
  target: DoorTarget,
  transport: Transport,
  byConsultation: boolean,
): DoorDriver {
  return {
    name: `Socket.IO over ${transport}, send_message by ${byConsultation ? 'consultationId' : 'conversationId'}`,
    notOffered: {
      resume: 'seeds 002/003 have no resume event: a reconnecting client reloads the history over HTTP',
      edit: NO_CLIENT_EVENT('edit'),
      delete: NO_CLIENT_EVENT('delete'),
      react: NO_CLIENT_EVENT('react'),
      typing: NO_CLIENT_EVENT('type'),
      read: NO_CLIENT_EVENT('read'),
    },
    oversizeRefusal: 'disconnected',
    async connect(user: TestUser) {
      const client = await TestSocketIo.connect(target.url, transport, { token: user.token });
      return { ok: true, value: new SocketIoSession(client, target, byConsultation) };
    },
  };
}
