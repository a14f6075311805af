import type { Message, SearchQuery } from '@carechat/protocol';
import type { Actor } from './actor.js';
import type { AuditLog } from './audit.js';
import { CoreError } from './errors.js';
import type { MessageViews } from './message-views.js';
import type { Store } from './ports/store.js';

/**
 * Full-text search over the caller's own conversations only (the store joins on their
 * participation), newest first, paged by an opaque cursor.
 */
export class SearchService {
  constructor(
    private readonly store: Store,
    private readonly views: MessageViews,
    private readonly audit: AuditLog,
  ) {}

  async search(
    actor: Actor,
    query: SearchQuery,
  ): Promise<{ results: Message[]; next_cursor: string | null }> {
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const records = await this.store.searchMessages(actor.userId, query.query, query.limit + 1, before);
    const page = records.slice(0, query.limit);
    const participants = await this.store.listParticipants([...new Set(page.map((r) => r.conversationId))]);
    const results: Message[] = [];
    // Rendered per conversation so read and delivery state come from each one's participants.
    for (const record of page) {
      const [message] = await this.views.render(
        [record],
        participants.filter((p) => p.conversationId === record.conversationId),
        actor.userId,
      );
      results.push(message!);
    }
    // Results show content: one history-read row per conversation they came from (counts only).
    const counts = new Map<string, number>();
    for (const record of page)
      counts.set(record.conversationId, (counts.get(record.conversationId) ?? 0) + 1);
    for (const [conversationId, count] of counts) {
      this.audit.record(actor, 'conversation.history_read', {
        conversationId,
        detail: { count, search: true },
      });
    }
    const last = page[page.length - 1];
    return {
      results,
      next_cursor: records.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
    };
  }
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string') return { createdAt, id };
  } catch {
    // fall through
  }
  throw new CoreError('invalid_request', 'cursor is not one this server gave out');
}
