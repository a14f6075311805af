import { describe, expect, it } from 'vitest';
import {
  chatMessageFrameSchema,
  isStorableText,
  MAX_RESUME_CONVERSATIONS,
  resumeFrameSchema,
} from '../src/index.js';

describe('storable text', () => {
  it('accepts any text with paired surrogates (emoji) and refuses NUL and unpaired surrogates', () => {
    for (const ok of ['', 'hello', 'émoji 👍🏽 ok', '日本語', '\uD83D\uDE00', 'tab\tand\nnewline']) {
      expect(isStorableText(ok), JSON.stringify(ok)).toBe(true);
    }
    for (const bad of ['\u0000', 'a\u0000b', '\uD800', 'a\uD83Db', '\uDC00', 'x\uDE00y', '👍\uD83D']) {
      expect(isStorableText(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('is applied by the frame schemas', () => {
    const frame = { type: 'chat_message', conversation_id: 'cnv_1', client_msg_id: 'c1' };
    expect(chatMessageFrameSchema.safeParse({ ...frame, content: 'hi 👍' }).success).toBe(true);
    expect(chatMessageFrameSchema.safeParse({ ...frame, content: 'a\u0000' }).success).toBe(false);
    expect(
      chatMessageFrameSchema.safeParse({ ...frame, content: 'ok', client_msg_id: '\uD800' }).success,
    ).toBe(false);
  });

  it('caps the conversations of a resume frame', () => {
    const cursors = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`cnv_${i}`, 0]));
    expect(
      resumeFrameSchema.safeParse({ type: 'resume', cursors: cursors(MAX_RESUME_CONVERSATIONS) }).success,
    ).toBe(true);
    expect(
      resumeFrameSchema.safeParse({ type: 'resume', cursors: cursors(MAX_RESUME_CONVERSATIONS + 1) }).success,
    ).toBe(false);
  });
});
