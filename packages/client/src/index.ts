/** carechat's client SDK, for browsers and Node. See docs/client.md. */
// The shared rules (unread, delivery and read state, message rendering), for apps built on the SDK.
export {
  attachmentsSummary,
  combinedStatus,
  DELETED_MESSAGE_TEXT,
  deliveredSeq,
  isUnread,
  messageSummary,
  notificationPreview,
  quoteText,
  type ReceiptStatus,
  receiptStatus,
  replySnippet,
  unreadTotal,
} from '@carechat/protocol';
export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
export { CarechatClient, type ConversationView, createClient, type SendOptions } from './client.js';
export { CarechatError, isRetryable } from './errors.js';
export type {
  ClientEvents,
  ConnectionState,
  FrameEvents,
  SdkEvents,
  StateChange,
  SyncReport,
} from './events.js';
export { HttpApi } from './http-api.js';
export type { ClientOptions } from './options.js';
export type { OutboxChange } from './outbox.js';
export {
  memoryOutboxStore,
  type OutboxEntry,
  type OutboxStore,
  webStorageOutboxStore,
} from './outbox-store.js';
export {
  alwaysOnline,
  type FetchLike,
  type KeyValueStorage,
  ManualNetwork,
  type NetworkSignal,
  systemTimers,
  type Timers,
  type WebSocketConstructor,
  type WebSocketLike,
} from './platform.js';
export type { FillResult } from './sync.js';
export { messageTick } from './ticks.js';
export { Timeline } from './timeline.js';
export type { TokenProvider } from './token-source.js';
export { SseParser } from './transports/sse-parser.js';
export { TRANSPORTS, type TransportName } from './transports/transport.js';
