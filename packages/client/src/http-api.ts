import type {
  Attachment,
  AttachmentResponse,
  ClientFrame,
  Conversation,
  ConversationListResponse,
  HistoryResponse,
  Message,
  MessageResponse,
  ReadResponse,
  SendMessageBody,
  User,
} from '@carechat/protocol';
import { CarechatError, errorFromBody } from './errors.js';
import type { FetchLike, Timers } from './platform.js';
import type { TokenSource } from './token-source.js';

export interface HttpApiOptions {
  baseUrl: string;
  fetch: FetchLike;
  timers: Timers;
  tokens: TokenSource;
  /** A request that takes longer is abandoned with a `timeout` error (and retried by its caller). */
  timeoutMs: number;
  /** fetch's `credentials`, for cookie sessions across origins. */
  credentials?: RequestCredentials;
}

export interface RequestOptions {
  body?: unknown;
  /** A multipart body (uploads); fetch sets its content type. */
  form?: FormData;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The REST routes the SDK uses, over the injected fetch. Authenticates with the bearer token; a
 * 401 gets one retry with a refreshed token when the app gave a token provider.
 */
export class HttpApi {
  constructor(private readonly o: HttpApiOptions) {}

  get baseUrl(): string {
    return this.o.baseUrl;
  }

  me(): Promise<User> {
    return this.request<{ user: User }>('GET', '/api/me').then((r) => r.body.user);
  }

  async conversations(): Promise<Conversation[]> {
    return (await this.request<ConversationListResponse>('GET', '/api/conversations')).body.conversations;
  }

  async history(
    conversationId: string,
    query: { afterSeq?: number; beforeSeq?: number; limit?: number },
  ): Promise<HistoryResponse> {
    const params = new URLSearchParams();
    if (query.afterSeq !== undefined) params.set('after_seq', String(query.afterSeq));
    if (query.beforeSeq !== undefined) params.set('before_seq', String(query.beforeSeq));
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const path = `/api/conversations/${encodeURIComponent(conversationId)}/messages?${params}`;
    return (await this.request<HistoryResponse>('GET', path)).body;
  }

  /** Stores a message (idempotent by client_msg_id): 201 when new, 200 with the stored one on a retry. */
  async sendMessage(conversationId: string, body: SendMessageBody): Promise<Message> {
    const path = `/api/conversations/${encodeURIComponent(conversationId)}/messages`;
    return (await this.request<MessageResponse>('POST', path, { body })).body.message;
  }

  async markRead(conversationId: string, seq: number): Promise<ReadResponse> {
    const path = `/api/conversations/${encodeURIComponent(conversationId)}/read`;
    return (await this.request<ReadResponse>('POST', path, { body: { seq } })).body;
  }

  async editMessage(messageId: string, content: string): Promise<Message> {
    const path = `/api/messages/${encodeURIComponent(messageId)}`;
    return (await this.request<MessageResponse>('PATCH', path, { body: { content } })).body.message;
  }

  async deleteMessage(messageId: string): Promise<Message> {
    const path = `/api/messages/${encodeURIComponent(messageId)}`;
    return (await this.request<MessageResponse>('DELETE', path)).body.message;
  }

  async setReaction(messageId: string, emoji: string, on: boolean): Promise<void> {
    const path = `/api/messages/${encodeURIComponent(messageId)}/reactions/${encodeURIComponent(emoji)}`;
    await this.request(on ? 'PUT' : 'DELETE', path);
  }

  /** multipart/form-data with one `file` field; the server decides the type from the bytes. */
  async uploadAttachment(conversationId: string, file: Blob, name: string): Promise<Attachment> {
    const form = new FormData();
    form.append('file', file, name);
    const path = `/api/conversations/${encodeURIComponent(conversationId)}/attachments`;
    return (await this.request<AttachmentResponse>('POST', path, { form })).body.attachment;
  }

  /** A client frame over HTTP (typing, read receipts… on the SSE and long-poll transports). */
  async postFrame(frame: ClientFrame): Promise<unknown> {
    return (await this.request('POST', '/api/frames', { body: frame })).body;
  }

  async request<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ status: number; body: T }> {
    const first = await this.attempt(method, path, options, await this.o.tokens.get());
    if (first.status === 401 && this.o.tokens.canRefresh) {
      const retried = await this.attempt(method, path, options, await this.o.tokens.refresh('refused'));
      return this.settle<T>(retried);
    }
    return this.settle<T>(first);
  }

  /** A raw authenticated fetch with a timeout (the event stream reads the body itself). */
  async open(
    path: string,
    init: { headers?: Record<string, string>; signal: AbortSignal },
  ): Promise<Response> {
    const token = await this.o.tokens.get();
    return this.o.fetch(`${this.o.baseUrl}${path}`, {
      headers: { ...this.authHeaders(token), ...init.headers },
      signal: init.signal,
      ...(this.o.credentials ? { credentials: this.o.credentials } : {}),
    });
  }

  private authHeaders(token: string | undefined): Record<string, string> {
    return token === undefined ? {} : { authorization: `Bearer ${token}` };
  }

  private async attempt(
    method: string,
    path: string,
    options: RequestOptions,
    token: string | undefined,
  ): Promise<{ status: number; text: string }> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort);
    let timedOut = false;
    const timer = this.o.timers.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs ?? this.o.timeoutMs);
    try {
      const headers = this.authHeaders(token);
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      const body = options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
      const response = await this.o.fetch(`${this.o.baseUrl}${path}`, {
        method,
        headers,
        signal: controller.signal,
        ...(body === undefined ? {} : { body }),
        ...(this.o.credentials ? { credentials: this.o.credentials } : {}),
      });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      if (timedOut) throw new CarechatError('timeout', `${method} ${path} timed out`);
      throw new CarechatError('network', error instanceof Error ? error.message : 'network error');
    } finally {
      this.o.timers.clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private settle<T>(result: { status: number; text: string }): { status: number; body: T } {
    let body: unknown;
    try {
      body = result.text === '' ? undefined : JSON.parse(result.text);
    } catch {
      body = undefined;
    }
    if (result.status >= 400) throw errorFromBody(result.status, body);
    return { status: result.status, body: body as T };
  }
}
