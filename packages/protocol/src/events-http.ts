import { z } from 'zod';
import { DEFAULT_POLL_TIMEOUT_MS, MAX_POLL_EVENTS, MAX_POLL_TIMEOUT_MS } from './limits.js';
import type { ServerFrame } from './server-frames.js';
import { text } from './text.js';

/** The fallback doors: Server-Sent Events, long-polling, and client frames over HTTP POST. */

const cursorText = text().min(1).max(200_000);

/** `GET /api/events?cursor=&timeout_ms=&limit=` */
export const eventsQuerySchema = z.object({
  cursor: cursorText.optional(),
  timeout_ms: z.coerce.number().int().min(0).max(MAX_POLL_TIMEOUT_MS).default(DEFAULT_POLL_TIMEOUT_MS),
  limit: z.coerce.number().int().min(1).max(MAX_POLL_EVENTS).default(500),
});
export type EventsQuery = z.infer<typeof eventsQuerySchema>;

/** `GET /api/events/stream?cursor=&token=&heartbeat_ms=` (the `Last-Event-ID` header wins over `cursor`). */
export const eventStreamQuerySchema = z.object({
  cursor: cursorText.optional(),
  /** EventSource cannot set headers: an access token may come in the query instead. */
  token: text().min(1).max(4096).optional(),
  /** How often the server writes a keep-alive comment; a client that hears nothing for longer reconnects. */
  heartbeat_ms: z.coerce.number().int().min(1000).max(60_000).default(15_000),
});
export type EventStreamQuery = z.infer<typeof eventStreamQuerySchema>;

/** The answer to a long-poll: the events since the cursor (oldest first) and the cursor after them. */
export interface EventsResponse {
  events: ServerFrame[];
  cursor: string;
}
