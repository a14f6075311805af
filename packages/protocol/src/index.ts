/** carechat's wire contract: shared by the server, the SDK and the web app. */
export const PROTOCOL_VERSION = 1;

/** Default largest message content, in UTF-8 bytes; servers may configure their own. */
export const DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024;

export * from './care.js';
export * from './client-frames.js';
export * from './errors.js';
export * from './event-cursor.js';
export * from './events-http.js';
export * from './http.js';
export * from './limits.js';
export * from './models.js';
export * from './notifications.js';
export * from './practices.js';
export * from './rules.js';
export * from './security.js';
export * from './server-frames.js';
export * from './socketio.js';
export * from './text.js';
