import { describe, expect, it } from 'vitest';
import { decodeEventCursor, encodeEventCursor, MAX_CURSOR_CONVERSATIONS } from '../src/index.js';

const raw = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

describe('event cursors (checked by hand, no schema library)', () => {
  it('round-trips what it encodes, keeping a key named __proto__ a plain key', () => {
    const cursor = { seqs: { a: 0, b: 42, ['__proto__']: 7 }, all: true };
    const decoded = decodeEventCursor(encodeEventCursor(cursor));
    expect(decoded?.all).toBe(true);
    expect(Object.entries(decoded?.seqs ?? {})).toEqual([
      ['a', 0],
      ['b', 42],
      ['__proto__', 7],
    ]);
    expect(Object.getPrototypeOf(decoded?.seqs)).toBe(Object.prototype);
  });

  it.each([
    ['another version', { v: 2, s: {}, a: 0 }],
    ['a flag other than 0 or 1', { v: 1, s: {}, a: true }],
    ['seqs that are not an object', { v: 1, s: [1, 2], a: 0 }],
    ['a negative seq', { v: 1, s: { c: -1 }, a: 0 }],
    ['a fractional seq', { v: 1, s: { c: 1.5 }, a: 0 }],
    ['a seq past the safe integers', { v: 1, s: { c: 2 ** 53 }, a: 0 }],
    ['a seq as text', { v: 1, s: { c: '3' }, a: 0 }],
    ['an empty conversation id', { v: 1, s: { '': 1 }, a: 0 }],
    ['a conversation id over 64 characters', { v: 1, s: { ['x'.repeat(65)]: 1 }, a: 0 }],
    ['a conversation id with NUL', { v: 1, s: { 'a\u0000': 1 }, a: 0 }],
    ['null', null],
  ])('refuses %s', (_name, value) => {
    expect(decodeEventCursor(raw(value))).toBeUndefined();
  });

  it('refuses more conversations than a resume may name, and text that is not base64url JSON', () => {
    const seqs = Object.fromEntries(
      Array.from({ length: MAX_CURSOR_CONVERSATIONS + 1 }, (_, i) => [`c${i}`, 1]),
    );
    expect(decodeEventCursor(raw({ v: 1, s: seqs, a: 0 }))).toBeUndefined();
    expect(decodeEventCursor('not a cursor!')).toBeUndefined();
    expect(decodeEventCursor(raw('just text'))).toBeUndefined();
  });
});
