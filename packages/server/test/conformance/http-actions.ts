import { randomBytes } from 'node:crypto';
import type { Message } from '@carechat/protocol';
import { type HttpResult, request, type TestUser } from '../helpers/http.js';
import { type Outcome, OVERSIZE_BYTES } from './door.js';

/** An HTTP answer as an outcome: the body on 2xx, else its error code. */
export function outcomeOf<T>(res: HttpResult<unknown>, pick: (body: never) => T = (b) => b as T): Outcome<T> {
  if (res.status >= 200 && res.status < 300) return { ok: true, value: pick(res.body as never) };
  const code = (res.body as { error?: { code?: string } } | undefined)?.error?.code;
  return { ok: false, code: code ?? `http ${res.status}` };
}

/**
 * The actions of the fallback transports: every /ws client frame as `POST /api/frames`
 * (docs/protocol.md "POST /api/frames"), shared by the SSE and long-poll drivers.
 */
export class FrameActions {
  constructor(
    private readonly url: string,
    private readonly user: TestUser,
  ) {}

  private frame(body: unknown) {
    return request(this.url, 'POST', '/api/frames', { token: this.user.token, body });
  }

  async send(conversationId: string, content: string, clientMsgId?: string): Promise<Outcome<Message>> {
    const res = await this.frame({
      type: 'chat_message',
      conversation_id: conversationId,
      content,
      client_msg_id: clientMsgId ?? randomBytes(8).toString('hex'),
    });
    return outcomeOf(res, (b: { message: Message }) => b.message);
  }

  async edit(_conversationId: string, messageId: string, content: string): Promise<Outcome> {
    return outcomeOf(await this.frame({ type: 'edit_message', message_id: messageId, content }));
  }

  async delete(_conversationId: string, messageId: string): Promise<Outcome> {
    return outcomeOf(await this.frame({ type: 'delete_message', message_id: messageId }));
  }

  async react(_conversationId: string, messageId: string, emoji: string): Promise<Outcome> {
    return outcomeOf(await this.frame({ type: 'add_reaction', message_id: messageId, emoji }));
  }

  async typing(conversationId: string, isTyping: boolean): Promise<Outcome> {
    return outcomeOf(
      await this.frame({ type: 'typing_indicator', conversation_id: conversationId, is_typing: isTyping }),
    );
  }

  async read(conversationId: string, seq: number): Promise<Outcome> {
    return outcomeOf(await this.frame({ type: 'read_receipt', conversation_id: conversationId, seq }));
  }

  async malformed(): Promise<Outcome> {
    return outcomeOf(
      await request(this.url, 'POST', '/api/frames', {
        token: this.user.token,
        rawBody: '{"type":"chat_message","content":',
      }),
    );
  }

  async oversize(): Promise<string> {
    const res = await request(this.url, 'POST', '/api/frames', {
      token: this.user.token,
      body: { type: 'ping', pad: 'x'.repeat(OVERSIZE_BYTES) },
    });
    const outcome = outcomeOf(res);
    return `http ${res.status} ${outcome.ok ? 'accepted' : outcome.code}`;
  }

  async alive(): Promise<boolean> {
    return (await this.frame({ type: 'ping' })).status === 200;
  }
}
