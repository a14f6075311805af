import { type ErrorCode, isErrorCode } from '@carechat/protocol';

/** A failure the server (or the network) reported, with the protocol's error code. */
export class CarechatError extends Error {
  override name = 'CarechatError';
  constructor(
    readonly code: ErrorCode | 'network' | 'timeout' | 'cancelled',
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * Codes worth retrying unchanged (the server was busy, failed, or could not be reached). Every
 * other code means the request itself will keep failing: the send is marked failed.
 */
export function isRetryable(code: CarechatError['code']): boolean {
  return (
    code === 'network' ||
    code === 'timeout' ||
    code === 'rate_limited' ||
    code === 'unavailable' ||
    code === 'internal' ||
    code === 'unauthenticated'
  );
}

export function errorFromBody(status: number, body: unknown): CarechatError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = isErrorCode(error?.code) ? error.code : status >= 500 ? 'internal' : 'invalid_request';
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
  return new CarechatError(code, message, status);
}
