import { z } from 'zod';

/** An unpaired UTF-16 surrogate: not a character, and stores differ on what they make of it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * True for text every store keeps as it was sent: no NUL (PostgreSQL refuses it in text) and no
 * unpaired surrogate (SQLite and PostgreSQL would store U+FFFD, so a retry would no longer match).
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/** Every string on the wire: refused at the edge (invalid_request) unless it is storable text. */
export function text() {
  return z.string().refine(isStorableText, 'must not contain NUL or unpaired surrogate characters');
}
