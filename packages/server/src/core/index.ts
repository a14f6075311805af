import type { Bus } from '../bus/bus.js';
import type { Store } from '../store/store.js';
import { AuthService } from './auth.js';
import type { Clock } from './clock.js';
import { ConversationService } from './conversations.js';
import { Hub } from './hub.js';
import { MessageService } from './messages.js';
import { type MessagingPolicy, openPolicy } from './policy.js';
import { MemoryPresence, type Presence } from './presence.js';
import { AccessTokens } from './tokens.js';
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
  hub: Hub;
}

export function createCore(o: CoreOptions): Core {
  const users = new UserDirectory(o.store);
  const presence = o.presence ?? new MemoryPresence();
  const policy = o.policy ?? openPolicy;
  const tokens = new AccessTokens(o.jwtSecret, o.accessTokenTtlSeconds);
  const shared = { store: o.store, bus: o.bus, clock: o.clock, users };
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
    messages: new MessageService({ ...shared, policy, maxMessageBytes: o.maxMessageBytes }),
    hub: new Hub(o.bus, presence, o.clock),
  };
}
