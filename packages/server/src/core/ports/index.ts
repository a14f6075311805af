/**
 * Everything the core needs from the world outside it, declared here and nowhere else. `store/`,
 * `bus/` and the attachment storages implement these; the core imports none of them (checked by
 * dependency-cruiser in `npm run lint`, .dependency-cruiser.cjs).
 */
export type { AttachmentStorage } from './attachment-storage.js';
export type { Bus } from './bus.js';
export type { CareStore, CareWrites } from './care-store.js';
export type { Clock } from './clock.js';
export type { ConversationStore, ConversationWrites } from './conversation-store.js';
export type { Mailer, OutgoingMail } from './mailer.js';
export type { MessageStore, MessageWrites } from './message-store.js';
export type {
  NotificationPreferences,
  NotificationStore,
  PushSubscriptionRecord,
} from './notification-store.js';
export type { PracticeStore, PracticeWrites } from './practice-store.js';
export type { PushOptions, PushSender } from './push-sender.js';
export type { SecurityStore } from './security-store.js';
export type { Store, StoreTransaction } from './store.js';
export type { UserStore, UserWrites } from './user-store.js';
