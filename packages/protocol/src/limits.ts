// Limits both sides need. No schema library here: the SDK's browser bundle imports this file.

/**
 * The most conversations one `resume` frame (or event cursor) may name: a larger frame is refused
 * whole with one error, so it cannot make the server check (and audit) thousands of ids.
 */
export const MAX_RESUME_CONVERSATIONS = 2000;

/** Longest a long-poll may wait for an event before answering with none. */
export const MAX_POLL_TIMEOUT_MS = 60_000;
export const DEFAULT_POLL_TIMEOUT_MS = 25_000;
/** Events one long-poll answer carries at most; the cursor then points after the last of them. */
export const MAX_POLL_EVENTS = 1000;
