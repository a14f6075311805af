import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AuthResponse, Conversation, Message, User } from '@carechat/protocol';

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A tiny HTTP client over fetch: JSON in, JSON out, optional bearer token or cookie. */
export async function request<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    token?: string;
    body?: unknown;
    cookie?: string;
    rawBody?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie) headers.cookie = options.cookie;
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.rawBody;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : undefined) as T,
    headers: response.headers,
  };
}

export interface TestUser {
  user: User;
  token: string;
  refreshToken: string;
  email: string;
  password: string;
  /** The session cookie as a Cookie header value. */
  cookie: string;
}

/** Registers a fresh user with a unique email. */
export async function registerUser(
  baseUrl: string,
  options: { role?: 'patient' | 'practitioner'; name?: string } = {},
): Promise<TestUser> {
  const email = `user-${randomBytes(6).toString('hex')}@example.test`;
  const password = 'correct horse battery';
  const res = await request<AuthResponse>(baseUrl, 'POST', '/api/auth/register', {
    body: { email, password, name: options.name ?? 'Test User', role: options.role ?? 'patient' },
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  return {
    user: res.body.user,
    token: res.body.access_token,
    refreshToken: res.body.refresh_token,
    email,
    password,
    cookie: setCookie.split(';')[0] ?? '',
  };
}

export async function openConversation(
  baseUrl: string,
  by: TestUser,
  ...others: TestUser[]
): Promise<Conversation> {
  const res = await request<{ conversation: Conversation }>(baseUrl, 'POST', '/api/conversations', {
    token: by.token,
    body: { participant_ids: others.map((o) => o.user.id) },
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`open failed: ${res.status}`);
  return res.body.conversation;
}

export async function sendHttp(
  baseUrl: string,
  by: TestUser,
  conversationId: string,
  content: string,
  clientMsgId = randomBytes(8).toString('hex'),
): Promise<HttpResult<{ message: Message }>> {
  return request(baseUrl, 'POST', `/api/conversations/${conversationId}/messages`, {
    token: by.token,
    body: { client_msg_id: clientMsgId, content },
  });
}

const UPLOAD_BOUNDARY = 'carechat-test-boundary';

/**
 * Starts a multipart upload of one file (chunked: its length is unknown), sends `parts` of its
 * bytes `gapMs` apart and never finishes the body: the answer can only come from a server that
 * decides before it has the whole upload. Status 0 when no answer came within `waitMs`.
 */
export function unfinishedUpload(
  baseUrl: string,
  token: string,
  conversationId: string,
  parts: readonly Buffer[],
  options: { filename?: string; gapMs?: number; waitMs?: number } = {},
): Promise<{ status: number; body: string }> {
  const url = new URL(`${baseUrl}/api/conversations/${conversationId}/attachments`);
  const { filename = 'scan.png', gapMs = 100, waitMs = 3000 } = options;
  return new Promise((resolve) => {
    const req = httpRequest({
      method: 'POST',
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${UPLOAD_BOUNDARY}`,
        'transfer-encoding': 'chunked',
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ status: 0, body: 'no answer while the upload was still being sent' });
    }, waitMs);
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', () => {});
    req.write(
      `--${UPLOAD_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\n`,
    );
    parts.forEach((part, i) => {
      setTimeout(() => req.write(part), i * gapMs);
    });
  });
}
