import type { CarechatClient, ConnectionState } from '@carechat/client';
import {
  type Conversation,
  type ConversationResponse,
  isUnread,
  type Message,
  type ServerFrame,
  unreadTotal,
} from '@carechat/protocol';

/** Someone typing in a conversation. */
export interface TypingPerson {
  userId: string;
  name: string;
}

/** Where the history of one conversation stands. */
export interface HistoryState {
  loading: boolean;
  loaded: boolean;
  hasMore: boolean;
  error?: unknown;
}

/** What is known of a user's presence: from the conversations' participants and `user_status`. */
export interface Presence {
  online: boolean;
  lastSeenAt: string | null;
}

type Frame<K extends ServerFrame['type']> = Extract<ServerFrame, { type: K }>;

/** People shown as doing something in a conversation (typing, viewing), each with the timer that takes them down. */
type Indicators = Map<string, Map<string, TypingPerson & { timer: ReturnType<typeof setTimeout> }>>;

/** How long delivery receipts wait to cover a burst of messages with one. */
const DELIVERY_BATCH_MS = 150;

const NOT_LOADED: HistoryState = { loading: false, loaded: false, hasMore: true };

/**
 * What the hooks show, kept current from one client's events: the conversation list (last message,
 * unread counts, read markers, presence), typing, the connection and the history of each
 * conversation; and the delivery receipts of what arrives from others. Messages and the outbox stay the SDK's (each message held once, in seq order);
 * this store only says when they changed. React reads it through `useSyncExternalStore`: every
 * change bumps `version`, and listeners hear of a burst of events (a replay) once.
 *
 * It uses no DOM: it runs wherever the SDK runs.
 */
export class ChatStore {
  readonly client: CarechatClient;
  connection: ConnectionState;
  /** The signed-in user's id, once known (the unread and typing rules need it). */
  meId: string | undefined;
  conversationsLoaded = false;
  conversationsError: unknown;

  readonly #conversations = new Map<string, Conversation>();
  readonly #presence = new Map<string, Presence>();
  readonly #typing: Indicators = new Map();
  /** Colleagues who have a conversation open (staff only: the server never tells a patient). */
  readonly #viewing: Indicators = new Map();
  readonly #history = new Map<string, HistoryState>();
  readonly #deliveryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #listeners = new Set<() => void>();
  readonly #unsubscribe: Array<() => void> = [];
  #version = 0;
  #notifyScheduled = false;
  #detached = false;

  constructor(client: CarechatClient, options: { meId?: string } = {}) {
    this.client = client;
    this.meId = options.meId;
    this.connection = client.state;
  }

  /**
   * Starts following the client's events and loads the list; returns the way to stop. Separate
   * from the constructor so React's effects can start, stop and start again (StrictMode).
   */
  attach(): () => void {
    const c = this.client;
    this.#detached = false;
    this.connection = c.state;
    this.#unsubscribe.push(
      c.on('state', (change) => {
        this.connection = change.to;
        this.changed();
      }),
      c.on('message', (message) => this.onMessage(message)),
      c.on('message_updated', (message) => this.onMessageUpdated(message)),
      c.on('outbox', () => this.changed()),
      // After every reconnect the list is asked again: counts and markers may have moved meanwhile.
      c.on('synced', () => void this.loadConversations()),
      c.on('conversation_created', (f) => this.put(f.conversation)),
      c.on('typing_indicator', (f) =>
        this.onIndicator(
          this.#typing,
          f.conversation_id,
          f.user_id,
          f.username,
          f.is_typing,
          f.expires_in_ms,
        ),
      ),
      c.on('viewing_indicator', (f) =>
        this.onIndicator(
          this.#viewing,
          f.conversation_id,
          f.user_id,
          f.username,
          f.is_viewing,
          f.expires_in_ms,
        ),
      ),
      // Someone joined or left: the participants are asked again; the user leaving drops the conversation.
      c.on('user_joined', (f) => void this.refresh(f.conversation_id)),
      c.on('user_left', (f) => {
        if (f.user_id !== this.meId) void this.refresh(f.conversation_id);
        else if (this.#conversations.delete(f.conversation_id)) this.changed();
      }),
      c.on('read_receipt', (f) => this.onMarker(f.conversation_id, f.user_id, 'last_read_seq', f.seq)),
      c.on('delivery_receipt', (f) =>
        this.onMarker(f.conversation_id, f.user_id, 'last_delivered_seq', f.seq),
      ),
      c.on('unread_changed', (f) => this.patch(f.conversation_id, { unread_count: f.unread_count })),
      // Read-only or writable again (an ended relationship, a block): the conversation says so at once.
      c.on('conversation_state', (f) =>
        this.patch(f.conversation_id, {
          state: f.state,
          read_only_reason: f.read_only_reason,
          open_until: f.open_until,
        }),
      ),
      c.on('user_status', (f) => this.onPresence(f)),
    );
    if (this.meId === undefined) {
      c.me().then(
        (me) => {
          this.meId = me.id;
          this.changed();
        },
        () => {},
      );
    }
    void this.loadConversations();
    return () => this.detach();
  }

  // ── for React ──────────────────────────────────────────────────────────────────────────────

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getVersion = (): number => this.#version;

  /** Stops following the client (which stays open: it is the app's). */
  private detach(): void {
    this.#detached = true;
    for (const off of this.#unsubscribe.splice(0)) off();
    for (const map of [this.#typing, this.#viewing]) {
      for (const people of map.values()) for (const p of people.values()) clearTimeout(p.timer);
      map.clear();
    }
    for (const timer of this.#deliveryTimers.values()) clearTimeout(timer);
    this.#deliveryTimers.clear();
  }

  // ── what the hooks read ────────────────────────────────────────────────────────────────────

  /** Pinned first, then the newest activity first. */
  conversations(): Conversation[] {
    return [...this.#conversations.values()].sort(
      (a, b) =>
        Number(b.pinned) - Number(a.pinned) ||
        Date.parse(b.last_activity_at) - Date.parse(a.last_activity_at),
    );
  }

  conversation(conversationId: string): Conversation | undefined {
    return this.#conversations.get(conversationId);
  }

  /** `unreadTotal` of @carechat/protocol: muted conversations left out. */
  unreadTotal(): number {
    return unreadTotal(this.#conversations.values());
  }

  typing(conversationId: string): TypingPerson[] {
    return indicated(this.#typing, conversationId);
  }

  /** Colleagues who have this conversation open now (only staff are told). */
  viewing(conversationId: string): TypingPerson[] {
    return indicated(this.#viewing, conversationId);
  }

  history(conversationId: string): HistoryState {
    return this.#history.get(conversationId) ?? NOT_LOADED;
  }

  presence(userId: string): Presence | undefined {
    return this.#presence.get(userId);
  }

  // ── actions ────────────────────────────────────────────────────────────────────────────────

  async loadConversations(): Promise<void> {
    try {
      const list = await this.client.conversations();
      if (this.#detached) return;
      for (const conversation of list) this.put(conversation);
      this.conversationsLoaded = true;
      this.conversationsError = undefined;
    } catch (error) {
      this.conversationsError = error;
    }
    this.changed();
  }

  /** Fetches one conversation into the list; refusals (not_participant…) are thrown. */
  async fetchConversation(conversationId: string): Promise<Conversation> {
    const { body } = await this.client.api.request<ConversationResponse>(
      'GET',
      `/api/conversations/${encodeURIComponent(conversationId)}`,
    );
    this.put(body.conversation);
    return body.conversation;
  }

  /** A conversation by id: from the list, else from the server (refusals are thrown). */
  async ensureConversation(conversationId: string): Promise<Conversation> {
    return this.#conversations.get(conversationId) ?? this.fetchConversation(conversationId);
  }

  /** Best effort: the list keeps what it had when the server cannot be asked. */
  async refresh(conversationId: string): Promise<void> {
    await this.fetchConversation(conversationId).catch(() => undefined);
  }

  /** Loads the newest page once; later calls do nothing. */
  async loadLatest(conversationId: string, limit = 50): Promise<void> {
    const state = this.history(conversationId);
    if (state.loading || state.loaded) return;
    this.#history.set(conversationId, { ...state, loading: true });
    this.changed();
    try {
      const messages = await this.client.conversation(conversationId).loadLatest(limit);
      this.#history.set(conversationId, {
        loading: false,
        loaded: true,
        hasMore: (messages[0]?.seq ?? 1) > 1,
      });
    } catch (error) {
      this.#history.set(conversationId, { loading: false, loaded: false, hasMore: true, error });
    }
    this.changed();
  }

  /** The page before the oldest held message, once the newest is loaded. */
  async loadOlder(conversationId: string, limit = 50): Promise<void> {
    const state = this.history(conversationId);
    if (state.loading || !state.loaded || !state.hasMore) return;
    this.#history.set(conversationId, { ...state, loading: true });
    this.changed();
    try {
      const hasMore = await this.client.conversation(conversationId).loadOlder(limit);
      this.#history.set(conversationId, { loading: false, loaded: true, hasMore });
    } catch (error) {
      this.#history.set(conversationId, { ...state, loading: false, error });
    }
    this.changed();
  }

  /** Marks the conversation read up to `seq` (default: its newest held message). */
  async markRead(conversationId: string, seq?: number): Promise<void> {
    const upTo = seq ?? this.client.conversation(conversationId).messages.at(-1)?.seq;
    if (upTo === undefined) return;
    const result = await this.client.markRead(conversationId, upTo);
    if (this.meId) this.onMarker(conversationId, this.meId, 'last_read_seq', result.last_read_seq);
    this.patch(conversationId, { unread_count: result.unread_count });
  }

  // ── events ─────────────────────────────────────────────────────────────────────────────────

  private onMessage(message: Message): void {
    const conversation = this.#conversations.get(message.conversation_id);
    this.stopIndicator(this.#typing, message.conversation_id, message.sender_id);
    if (this.meId !== undefined && message.sender_id !== this.meId)
      this.scheduleDelivery(message.conversation_id);
    if (!conversation) {
      // A conversation the list does not have yet (added elsewhere): it is asked for.
      void this.refresh(message.conversation_id);
      return;
    }
    const newer = message.seq > (conversation.last_message?.seq ?? 0);
    const lastReadSeq = conversation.participants.find((p) => p.user.id === this.meId)?.last_read_seq ?? 0;
    const counts = this.meId !== undefined && isUnread(message, this.meId, lastReadSeq);
    this.patch(conversation.id, {
      ...(newer
        ? {
            last_message: message,
            last_activity_at: message.timestamp,
            last_seq: Math.max(conversation.last_seq, message.seq),
          }
        : {}),
      // Counted until the server's own count arrives (unread_changed, the next list).
      ...(counts && newer ? { unread_count: conversation.unread_count + 1 } : {}),
    });
  }

  /**
   * The senders' "delivered" tick: this device has the conversation's messages up to its newest.
   * One receipt per conversation for a burst of messages (a replay), with the highest seq.
   */
  private scheduleDelivery(conversationId: string): void {
    if (this.#deliveryTimers.has(conversationId)) return;
    this.#deliveryTimers.set(
      conversationId,
      setTimeout(() => {
        this.#deliveryTimers.delete(conversationId);
        const seq = this.client.conversation(conversationId).lastSeq;
        if (seq !== undefined && seq > 0) this.client.markDelivered(conversationId, seq);
      }, DELIVERY_BATCH_MS),
    );
  }

  private onMessageUpdated(message: Message): void {
    const conversation = this.#conversations.get(message.conversation_id);
    if (conversation?.last_message?.message_id === message.message_id) {
      this.patch(conversation.id, { last_message: message });
    } else this.changed();
  }

  /** Typing and viewing: shown while refreshed, taken down on news or by themselves. */
  private onIndicator(
    map: Indicators,
    conversationId: string,
    userId: string,
    name: string,
    active: boolean,
    expiresInMs: number | undefined,
  ): void {
    if (userId === this.meId) return;
    if (!active) {
      this.stopIndicator(map, conversationId, userId);
      return;
    }
    const people = map.get(conversationId) ?? new Map();
    clearTimeout(people.get(userId)?.timer);
    people.set(userId, {
      userId,
      name,
      // Taken down by itself, whatever happens to the person.
      timer: setTimeout(() => this.stopIndicator(map, conversationId, userId), expiresInMs ?? 6000),
    });
    map.set(conversationId, people);
    this.changed();
  }

  private stopIndicator(map: Indicators, conversationId: string, userId: string): void {
    const people = map.get(conversationId);
    const person = people?.get(userId);
    if (!people || !person) return;
    clearTimeout(person.timer);
    people.delete(userId);
    this.changed();
  }

  private onMarker(
    conversationId: string,
    userId: string,
    field: 'last_read_seq' | 'last_delivered_seq',
    seq: number,
  ): void {
    const conversation = this.#conversations.get(conversationId);
    if (!conversation) return;
    const participants = conversation.participants.map((p) =>
      p.user.id === userId && p[field] < seq ? { ...p, [field]: seq } : p,
    );
    this.patch(conversationId, { participants });
  }

  private onPresence(frame: Frame<'user_status'>): void {
    this.#presence.set(frame.user_id, { online: frame.status === 'online', lastSeenAt: frame.last_seen_at });
    for (const conversation of this.#conversations.values()) {
      if (!conversation.participants.some((p) => p.user.id === frame.user_id)) continue;
      this.patch(conversation.id, {
        participants: conversation.participants.map((p) =>
          p.user.id === frame.user_id
            ? { ...p, online: frame.status === 'online', last_seen_at: frame.last_seen_at }
            : p,
        ),
      });
    }
    this.changed();
  }

  /** Puts a conversation the app received otherwise (an answer of the API) into the list. */
  put(conversation: Conversation): void {
    this.#conversations.set(conversation.id, conversation);
    for (const p of conversation.participants) {
      this.#presence.set(p.user.id, { online: p.online, lastSeenAt: p.last_seen_at });
    }
    this.changed();
  }

  private patch(conversationId: string, change: Partial<Conversation>): void {
    const conversation = this.#conversations.get(conversationId);
    if (!conversation) return;
    this.#conversations.set(conversationId, { ...conversation, ...change });
    this.changed();
  }

  /** Many events arrive together (a replay): React hears of them once per task. */
  private changed(): void {
    this.#version += 1;
    if (this.#notifyScheduled || this.#detached) return;
    this.#notifyScheduled = true;
    queueMicrotask(() => {
      this.#notifyScheduled = false;
      for (const listener of [...this.#listeners]) listener();
    });
  }
}

function indicated(map: Indicators, conversationId: string): TypingPerson[] {
  return [...(map.get(conversationId)?.values() ?? [])].map(({ userId, name }) => ({ userId, name }));
}
