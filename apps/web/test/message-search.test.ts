import { describe, expect, it } from 'vitest';
import { highlight } from '../src/lib/message-search.js';

describe('highlight (what a search result marks)', () => {
  const marked = (text: string, query: string) =>
    highlight(text, query)
      .filter((p) => p.match)
      .map((p) => p.text);

  it('marks each word of the query where it starts a word, as the server matches (by prefix)', () => {
    expect(marked('The wombat allergy test, Wombats too', 'wombat')).toEqual(['wombat', 'Wombat']);
    expect(marked('A prescription for the pharmacy', 'pharm presc')).toEqual(['presc', 'pharm']);
    expect(marked('Hellowombat', 'wombat')).toEqual([]);
  });

  it('keeps the whole text, in order', () => {
    const parts = highlight('Is that with food?', 'food');
    expect(parts.map((p) => p.text).join('')).toBe('Is that with food?');
  });

  it('treats query punctuation as text, not as a pattern', () => {
    expect(marked('costs (a lot) .* here', '(a .*')).toEqual(['a']);
    expect(highlight('plain', '...')).toEqual([{ text: 'plain', match: false }]);
  });
});
