import type { Bus } from '../bus/bus.js';
import type { Store } from '../store/store.js';
import { AttachmentService, type AttachmentStorage } from './attachments.js';
import { AuthService } from './auth.js';
import type { Clock } from './clock.js';
import { ConversationService } from './conversations.js';
import { Hub } from './hub.js';
import { MessageViews } from './message-views.js';
import { MessageService } from './messages.js';
import { type MessagingPolicy, openPolicy } from './policy.js';
import { MemoryPresence, type Presence } from './presence.js';
import { PresenceService } from './presence-service.js';
import { ReactionService } from './reactions.js';
import { ReceiptService } from './receipts.js';
import { SearchService } from './search.js';
import { AccessTokens } from './tokens.js';
import { TypingService } from './typing.js';
import { UserDirectory } from './users.js';

export interface CoreOptions {
  store: Store;
  bus: Bus;
  clock: Clock;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  sessionTtlDays: number;
  allowPractitionerSignup: boolean;
  maxMessageBytes: number;
  editWindowSeconds: number;
  typingTtlMs: number;
  presenceGraceMs: number;
  attachmentStorage: AttachmentStorage;
  attachmentMaxBytes: number;
  policy?: MessagingPolicy;
  presence?: Presence;
}

/** The framework-free core: every door calls these services and renders the events they emit. */
export interface Core {
  store: Store;
  bus: Bus;
  clock: Clock;
  users: UserDirectory;
  presence: Presence;
  auth: AuthService;
  conversations: ConversationService;
  messages: MessageService;
  receipts: ReceiptService;
  reactions: ReactionService;
  typing: TypingService;
  search: SearchService;
  attachments: AttachmentService;
  presenceService: PresenceService;
  hub: Hub;
  /** Stops timers (typing, presence grace) and the hub's bus subscription. */
  close(): void;
}

export function createCore(o: CoreOptions): Core {
  const users = new UserDirectory(o.store);
  const presence = o.presence ?? new MemoryPresence();
  const policy = o.policy ?? openPolicy;
  const tokens = new AccessTokens(o.jwtSecret, o.accessTokenTtlSeconds);
  const shared = { store: o.store, bus: o.bus, clock: o.clock, users };
  const typing = new TypingService({ ...shared, ttlMs: o.typingTtlMs });
  const presenceService = new PresenceService({ ...shared, presence, graceMs: o.presenceGraceMs });
  const hub = new Hub(o.bus, {
    connected: (subscriber) => presenceService.deviceConnected(subscriber.actor.userId),
    async disconnected(subscriber) {
      await typing.connectionClosed(subscriber.id);
      await presenceService.deviceDisconnected(subscriber.actor.userId);
    },
  });
  const views = new MessageViews(o.store, users);
  return {
    ...shared,
    presence,
    auth: new AuthService({
      ...shared,
      tokens,
      sessionTtlDays: o.sessionTtlDays,
      allowPractitionerSignup: o.allowPractitionerSignup,
    }),
    conversations: new ConversationService({ ...shared, presence, policy }),
    messages: new MessageService({
      ...shared,
      views,
      policy,
      maxMessageBytes: o.maxMessageBytes,
      editWindowSeconds: o.editWindowSeconds,
      onSent: (message) => void typing.messageSent(message.sender_id, message.conversation_id),
    }),
    receipts: new ReceiptService(shared),
    reactions: new ReactionService(shared),
    typing,
    search: new SearchService(o.store, views),
    attachments: new AttachmentService({
      store: o.store,
      clock: o.clock,
      storage: o.attachmentStorage,
      maxBytes: o.attachmentMaxBytes,
    }),
    presenceService,
    hub,
    close() {
      typing.close();
      presenceService.close();
      hub.close();
    },
  };
}
