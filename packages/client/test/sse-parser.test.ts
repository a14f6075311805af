import { describe, expect, it } from 'vitest';
import { SseParser } from '../src/transports/sse-parser.js';

describe('SseParser', () => {
  it('parses events split anywhere, with ids, comments and CRLF line ends', () => {
    const events: Array<{ data: string; id: string | undefined }> = [];
    let comments = 0;
    const parser = new SseParser(
      (e) => events.push(e),
      () => comments++,
    );
    const text =
      'retry: 1000\n\n: ping\n\nid: abc\ndata: {"a":1}\n\ndata: line1\r\ndata: line2\r\n\r\ndata:x\n\n';
    for (const char of text) parser.push(char);
    expect(events).toEqual([
      { data: '{"a":1}', id: 'abc' },
      { data: 'line1\nline2', id: undefined },
      { data: 'x', id: undefined },
    ]);
    expect(comments).toBe(1);
  });
});
