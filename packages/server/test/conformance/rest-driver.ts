import type { Conversation, HistoryResponse, Message } from '@carechat/protocol';
import { request, sendHttp, type TestUser } from '../helpers/http.js';
import type { DoorDriver, DoorSession, Outcome } from './door.js';
import { type DoorTarget, OVERSIZE_BYTES } from './door.js';
import { outcomeOf } from './http-actions.js';

/** Plain HTTP REST (docs/protocol.md "Conversations and messages over HTTP"): no live events. */
class RestSession implements DoorSession {
  constructor(
    private readonly url: string,
    private readonly user: TestUser,
  ) {}

  private call(method: string, path: string, body?: unknown) {
    return request(this.url, method, path, {
      token: this.user.token,
      ...(body === undefined ? {} : { body }),
    });
  }

  async send(conversationId: string, content: string, clientMsgId?: string): Promise<Outcome<Message>> {
    return outcomeOf(
      await sendHttp(this.url, this.user, conversationId, content, clientMsgId),
      (b: { message: Message }) => b.message,
    );
  }

  async edit(_conversationId: string, messageId: string, content: string): Promise<Outcome> {
    return outcomeOf(await this.call('PATCH', `/api/messages/${messageId}`, { content }));
  }

  async delete(_conversationId: string, messageId: string): Promise<Outcome> {
    return outcomeOf(await this.call('DELETE', `/api/messages/${messageId}`));
  }

  async react(_conversationId: string, messageId: string, emoji: string): Promise<Outcome> {
    return outcomeOf(
      await this.call('PUT', `/api/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`),
    );
  }

  async typing(conversationId: string, isTyping: boolean): Promise<Outcome> {
    return outcomeOf(
      await this.call('POST', `/api/conversations/${conversationId}/typing`, { is_typing: isTyping }),
    );
  }

  async read(conversationId: string, seq: number): Promise<Outcome> {
    return outcomeOf(await this.call('POST', `/api/conversations/${conversationId}/read`, { seq }));
  }

  async start(participantIds: string[]): Promise<Outcome<{ id: string }>> {
    const res = await this.call('POST', '/api/conversations', { participant_ids: participantIds });
    return outcomeOf(res, (b: { conversation: Conversation }) => b.conversation);
  }

  async malformed(): Promise<Outcome> {
    return outcomeOf(
      await request(this.url, 'POST', '/api/conversations', {
        token: this.user.token,
        rawBody: '{"participant_ids":',
      }),
    );
  }

  async oversize(): Promise<string> {
    const res = await this.call('POST', '/api/conversations', {
      participant_ids: ['x'.repeat(OVERSIZE_BYTES)],
    });
    const outcome = outcomeOf(res);
    return `http ${res.status} ${outcome.ok ? 'accepted' : outcome.code}`;
  }

  async alive(): Promise<boolean> {
    return (await this.call('GET', '/api/me')).status === 200;
  }

  async close(): Promise<void> {}
}

export function restDriver(target: DoorTarget): DoorDriver {
  return {
    name: 'HTTP REST',
    notOffered: {
      live: 'REST answers requests and pushes nothing; live clients use a socket, SSE or long-poll',
    },
    oversizeRefusal: 'http 413 message_too_large',
    async connect(user) {
      return { ok: true, value: new RestSession(target.url, user) };
    },
    async resume(user, conversationId, afterSeq) {
      const res = await request<HistoryResponse>(
        target.url,
        'GET',
        `/api/conversations/${conversationId}/messages?after_seq=${afterSeq}`,
        { token: user.token },
      );
      if (res.status !== 200) throw new Error(`history answered ${res.status}`);
      return { replayed: res.body.messages, session: new RestSession(target.url, user) };
    },
  };
}
