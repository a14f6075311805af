import { timingSafeEqual } from 'node:crypto';
import { CoreError } from '../core/errors.js';

/** The non-HttpOnly cookie browser code reads and echoes in the `X-CSRF-Token` header. */
export const CSRF_COOKIE = 'carechat_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isUnsafeMethod(method: string): boolean {
  return UNSAFE.has(method.toUpperCase());
}

/**
 * Double-submit check for cookie-authenticated state changes: the header must equal the cookie
 * (a cross-site page can make the browser send the cookie, but cannot read it to send the header)
 * and the session's own token (a cookie planted by a sibling subdomain does not fit the session).
 */
export function checkCsrf(header: unknown, cookie: string | undefined, expected: string): void {
  const sent = typeof header === 'string' ? header : undefined;
  if (!sent || !cookie || !same(sent, cookie) || !same(sent, expected)) {
    throw new CoreError('forbidden', 'Missing or wrong X-CSRF-Token for a cookie-authenticated request.');
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
