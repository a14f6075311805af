import type { CarechatClient } from '@carechat/client';
import type { Message, SearchResponse } from '@carechat/protocol';

/** One page of the server's full-text search over the caller's own conversations, newest first. */
export async function searchMessages(
  client: CarechatClient,
  query: string,
  cursor?: string,
): Promise<{ results: Message[]; nextCursor: string | null }> {
  const params = new URLSearchParams({ query, limit: String(SEARCH_PAGE) });
  if (cursor) params.set('cursor', cursor);
  const { body } = await client.api.request<SearchResponse>('GET', `/api/search?${params}`);
  return { results: body.results, nextCursor: body.next_cursor };
}

export const SEARCH_PAGE = 20;
/** Shorter queries match too much to be worth a request. */
export const MIN_QUERY_LENGTH = 2;

export interface TextPart {
  text: string;
  match: boolean;
}

/**
 * The text cut where a word of the query starts a word, as the server matches them (by prefix),
 * so the result can mark what matched.
 */
export function highlight(text: string, query: string): TextPart[] {
  const words = query
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}]/gu, ''))
    .filter(Boolean);
  if (words.length === 0) return [{ text, match: false }];
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${words.join('|')})`, 'giu');
  const parts: TextPart[] = [];
  let at = 0;
  for (const found of text.matchAll(pattern)) {
    const start = found.index ?? 0;
    if (start > at) parts.push({ text: text.slice(at, start), match: false });
    parts.push({ text: found[0], match: true });
    at = start + found[0].length;
  }
  if (at < text.length) parts.push({ text: text.slice(at), match: false });
  return parts;
}
