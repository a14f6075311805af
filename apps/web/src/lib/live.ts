import { type CarechatClient, type ConnectionState, createClient, type OutboxEntry } from '@carechat/client';
import type {
  Conversation,
  ConversationResponse,
  DoctorReadyEvent,
  Message,
  Participant,
  Role,
  ServerFrame,
  User,
} from '@carechat/protocol';
import { isUnread, unreadTotal } from '@carechat/protocol';

export interface TypingPerson {
  userId: string;
  name: string;
  /** Their role, when the conversation is known: a colleague typing is "replying". */
  role?: Role;
}

type Indicators = Map<string, Map<string, TypingPerson & { timer: number }>>;

interface HistoryState {
  loading: boolean;
  loaded: boolean;
  hasMore: boolean;
  error?: unknown;
}

type Frame<K extends ServerFrame['type']> = Extract<ServerFrame, { type: K }>;

/**
 * Everything live the screens show, kept current from the SDK's events: the conversation list
 * (last message, unread counts, who is online, read and delivery markers), typing, the connection,
 * the outbox, and doctor_ready announcements. Messages themselves are the SDK's (held once, in seq
 * order); this store only says when they changed. Screens re-render on `version`.
 */
export class LiveStore {
  readonly client: CarechatClient;
  readonly me: User;
  connection: ConnectionState;
  readonly conversations = new Map<string, Conversation>();
  conversationsLoaded = false;
  conversationsError: unknown;
  readonly doctorReady: DoctorReadyEvent[] = [];
  /** Bumped when an appointment changes, so dashboards fetch theirs again. */
  appointmentsVersion = 0;
  /** Bumped when a practice conversation is assigned, so team inboxes fetch theirs again. */
  triageVersion = 0;
  /** The conversation on screen: its messages count as read while the page is visible. */
  openConversationId: string | undefined;

  readonly #typing: Indicators = new Map();
  /** Colleagues who have a conversation open (staff only; the server never tells a patient). */
  readonly #viewing: Indicators = new Map();
  readonly #history = new Map<string, HistoryState>();
  readonly #listeners = new Set<() => void>();
  readonly #unsubscribe: Array<() => void> = [];
  readonly #deliveryTimers = new Map<string, number>();
  readonly #reading = new Set<string>();
  readonly #readAgain = new Set<string>();
  #version = 0;
  #notifyScheduled = false;

  constructor(options: {
    me: User;
    accessToken: string;
    /** A new access token (from the session cookie); rejects when the session is gone. */
    refreshToken: () => Promise<string>;
    onSignedOut: () => void;
  }) {
    this.me = options.me;
    this.client = createClient({
      baseUrl: location.origin,
      token: options.accessToken,
      getToken: () => options.refreshToken(),
      storageKey: `carechat:outbox:${options.me.id}`,
    });
    this.connection = this.client.state;
    const on = this.#unsubscribe;
    const c = this.client;
    on.push(
      c.on('state', (change) => {
        this.connection = change.to;
        if (change.to === 'disconnected' && change.code === 4401) options.onSignedOut();
        this.changed();
      }),
      c.on('message', (message) => this.onMessage(message)),
      c.on('message_updated', (message) => this.onMessageUpdated(message)),
      c.on('outbox', () => this.changed()),
      c.on('synced', () => void this.loadConversations()),
      c.on('conversation_created', (f) => this.putConversation(f.conversation)),
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
      c.on('triage_changed', () => {
        this.triageVersion += 1;
        this.changed();
      }),
      c.on('read_receipt', (f) => this.onMarker(f.conversation_id, f.user_id, 'last_read_seq', f.seq)),
      c.on('delivery_receipt', (f) =>
        this.onMarker(f.conversation_id, f.user_id, 'last_delivered_seq', f.seq),
      ),
      c.on('unread_changed', (f) => this.patch(f.conversation_id, { unread_count: f.unread_count })),
      c.on('user_status', (f) => this.onPresence(f)),
      c.on('doctor_ready', (f) => {
        this.doctorReady.push(f);
        this.changed();
      }),
      c.on('appointment_updated', (f) => {
        this.appointmentsVersion += 1;
        const conversationId = f.appointment.consultation?.conversation_id;
        if (conversationId) void this.refreshConversation(conversationId);
        this.changed();
      }),
      // A relationship ended or was renewed, a block added or lifted: the composer follows at once.
      c.on('conversation_state', (f) =>
        this.patch(f.conversation_id, {
          state: f.state,
          read_only_reason: f.read_only_reason,
          open_until: f.open_until,
        }),
      ),
      c.on('user_joined', (f) => void this.refreshConversation(f.conversation_id)),
      c.on('user_left', (f) => {
        if (f.user_id === this.me.id) {
          this.conversations.delete(f.conversation_id);
          this.changed();
        } else void this.refreshConversation(f.conversation_id);
      }),
    );
    const onVisible = () => {
      if (document.visibilityState === 'visible' && this.openConversationId)
        this.markSeen(this.openConversationId);
    };
    document.addEventListener('visibilitychange', onVisible);
    on.push(() => document.removeEventListener('visibilitychange', onVisible));
    void this.loadConversations();
  }

  // ── for React ──────────────────────────────────────────────────────────────────────────────

  get version(): number {
    return this.#version;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getVersion = (): number => this.#version;

  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
    for (const timer of this.#deliveryTimers.values()) clearTimeout(timer);
    for (const map of [this.#typing, this.#viewing])
      for (const people of map.values()) for (const p of people.values()) clearTimeout(p.timer);
    this.client.close();
    this.#listeners.clear();
  }

  // ── what screens read ──────────────────────────────────────────────────────────────────────

  /** Pinned first, then the newest activity first. */
  sortedConversations(): Conversation[] {
    return [...this.conversations.values()].sort(
      (a, b) =>
        Number(b.pinned) - Number(a.pinned) ||
        Date.parse(b.last_activity_at) - Date.parse(a.last_activity_at),
    );
  }

  /** The badge and title count: `unreadTotal` (@carechat/protocol), muted conversations left out. */
  unreadTotal(): number {
    return unreadTotal(this.conversations.values());
  }

  messages(conversationId: string): readonly Message[] {
    return this.client.conversation(conversationId).messages;
  }

  /** This conversation's sends not stored yet (pending, sending, or failed). */
  pending(conversationId: string): OutboxEntry[] {
    return this.client.conversation(conversationId).pending;
  }

  /** Sends waiting for the connection (not the failed ones). */
  queuedCount(): number {
    return this.client.outbox.entries.filter((e) => e.status !== 'failed').length;
  }

  typing(conversationId: string): TypingPerson[] {
    return this.indicated(this.#typing, conversationId);
  }

  /** Colleagues who have this conversation open. */
  viewing(conversationId: string): TypingPerson[] {
    return this.indicated(this.#viewing, conversationId);
  }

  private indicated(map: Indicators, conversationId: string): TypingPerson[] {
    const participants = this.conversations.get(conversationId)?.participants ?? [];
    return [...(map.get(conversationId)?.values() ?? [])].map(({ userId, name }) => {
      const role = participants.find((p) => p.user.id === userId)?.user.role;
      return role ? { userId, name, role } : { userId, name };
    });
  }

  history(conversationId: string): HistoryState {
    return this.#history.get(conversationId) ?? { loading: false, loaded: false, hasMore: true };
  }

  /** The other people in a conversation. */
  others(conversation: Conversation): Participant[] {
    return conversation.participants.filter((p) => p.user.id !== this.me.id);
  }

  // ── actions ────────────────────────────────────────────────────────────────────────────────

  async loadConversations(): Promise<void> {
    try {
      const list = await this.client.conversations();
      for (const conversation of list) this.conversations.set(conversation.id, conversation);
      this.conversationsLoaded = true;
      this.conversationsError = undefined;
    } catch (error) {
      this.conversationsError = error;
    }
    this.changed();
  }

  /** A conversation by id (from the list, else from the server: refusals are thrown). */
  async ensureConversation(conversationId: string): Promise<Conversation> {
    return this.conversations.get(conversationId) ?? this.fetchConversation(conversationId);
  }

  /** Fetches one conversation into the list; refusals (not_participant…) are thrown. */
  async fetchConversation(conversationId: string): Promise<Conversation> {
    const { body } = await this.client.api.request<ConversationResponse>(
      'GET',
      `/api/conversations/${encodeURIComponent(conversationId)}`,
    );
    this.putConversation(body.conversation);
    return body.conversation;
  }

  /** Best effort: the list keeps what it had when the server cannot be asked. */
  async refreshConversation(conversationId: string): Promise<void> {
    await this.fetchConversation(conversationId).catch(() => undefined);
  }

  /** Loads the newest page once; later calls do nothing. */
  async loadLatest(conversationId: string): Promise<void> {
    const state = this.history(conversationId);
    if (state.loading || state.loaded) return;
    this.#history.set(conversationId, { ...state, loading: true });
    this.changed();
    try {
      await this.client.conversation(conversationId).loadLatest(50);
      const first = this.client.conversation(conversationId).messages[0];
      this.#history.set(conversationId, { loading: false, loaded: true, hasMore: (first?.seq ?? 1) > 1 });
    } catch (error) {
      this.#history.set(conversationId, { loading: false, loaded: false, hasMore: true, error });
    }
    this.changed();
  }

  async loadOlder(conversationId: string): Promise<void> {
    const state = this.history(conversationId);
    if (state.loading || !state.loaded || !state.hasMore) return;
    this.#history.set(conversationId, { ...state, loading: true });
    this.changed();
    try {
      const hasMore = await this.client.conversation(conversationId).loadOlder(50);
      this.#history.set(conversationId, { loading: false, loaded: true, hasMore });
    } catch (error) {
      this.#history.set(conversationId, { ...state, loading: false, error });
    }
    this.changed();
  }

  /** Marks the open conversation read up to its newest message, when someone can see it. */
  markSeen(conversationId: string): void {
    if (document.visibilityState !== 'visible' || this.openConversationId !== conversationId) return;
    const conversation = this.conversations.get(conversationId);
    const mine = conversation?.participants.find((p) => p.user.id === this.me.id);
    const last = this.messages(conversationId).at(-1);
    if (!conversation || !last) return;
    if (last.seq <= (mine?.last_read_seq ?? 0) && conversation.unread_count === 0) return;
    if (this.#reading.has(conversationId)) {
      // One read at a time; what arrived meanwhile is marked when it returns.
      this.#readAgain.add(conversationId);
      return;
    }
    this.#reading.add(conversationId);
    this.client
      .markRead(conversationId, last.seq)
      .then((result) => {
        this.onMarker(conversationId, this.me.id, 'last_read_seq', result.last_read_seq);
        this.patch(conversationId, { unread_count: result.unread_count });
      })
      .catch(() => {})
      .finally(() => {
        this.#reading.delete(conversationId);
        if (this.#readAgain.delete(conversationId)) this.markSeen(conversationId);
      });
  }

  async setMuted(conversationId: string, muted: boolean): Promise<void> {
    const { body } = await this.client.api.request<ConversationResponse>(
      'PATCH',
      `/api/conversations/${encodeURIComponent(conversationId)}`,
      { body: { muted } },
    );
    this.putConversation(body.conversation);
  }

  dismissDoctorReady(event: DoctorReadyEvent): void {
    const index = this.doctorReady.indexOf(event);
    if (index >= 0) this.doctorReady.splice(index, 1);
    this.changed();
  }

  // ── events ─────────────────────────────────────────────────────────────────────────────────

  private onMessage(message: Message): void {
    const conversation = this.conversations.get(message.conversation_id);
    if (!conversation) {
      void this.refreshConversation(message.conversation_id);
      return;
    }
    const fromOthers = message.sender_id !== this.me.id;
    const newer = message.seq > (conversation.last_message?.seq ?? 0);
    const lastReadSeq = conversation.participants.find((p) => p.user.id === this.me.id)?.last_read_seq ?? 0;
    this.patch(conversation.id, {
      ...(newer
        ? {
            last_message: message,
            last_activity_at: message.timestamp,
            last_seq: Math.max(conversation.last_seq, message.seq),
          }
        : {}),
      // Counted until the server's own count arrives (unread_changed, the next list).
      ...(isUnread(message, this.me.id, lastReadSeq) ? { unread_count: conversation.unread_count + 1 } : {}),
    });
    this.stopIndicator(this.#typing, message.conversation_id, message.sender_id);
    if (fromOthers) {
      this.scheduleDelivery(message.conversation_id);
      if (this.openConversationId === message.conversation_id) this.markSeen(message.conversation_id);
    }
  }

  private onMessageUpdated(message: Message): void {
    const conversation = this.conversations.get(message.conversation_id);
    if (conversation?.last_message?.message_id === message.message_id) {
      this.patch(conversation.id, { last_message: message });
    } else this.changed();
  }

  /** Delivery receipts go out in a small batch per conversation: the highest seq is enough. */
  private scheduleDelivery(conversationId: string): void {
    if (this.#deliveryTimers.has(conversationId)) return;
    this.#deliveryTimers.set(
      conversationId,
      window.setTimeout(() => {
        this.#deliveryTimers.delete(conversationId);
        const seq = this.client.conversation(conversationId).lastSeq;
        if (seq !== undefined && seq > 0) this.client.markDelivered(conversationId, seq);
      }, 150),
    );
  }

  /** Typing and viewing indicators: shown while refreshed, taken down on news or by themselves. */
  private onIndicator(
    map: Indicators,
    conversationId: string,
    userId: string,
    name: string,
    active: boolean,
    expiresInMs: number | undefined,
  ): void {
    if (userId === this.me.id) return;
    if (!active) {
      this.stopIndicator(map, conversationId, userId);
      return;
    }
    const people = map.get(conversationId) ?? new Map();
    clearTimeout(people.get(userId)?.timer);
    people.set(userId, {
      userId,
      name,
      // Taken down by itself, whatever happens to the typer.
      timer: window.setTimeout(() => this.stopIndicator(map, conversationId, userId), expiresInMs ?? 6000),
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
    const conversation = this.conversations.get(conversationId);
    if (!conversation) return;
    const participants = conversation.participants.map((p) =>
      p.user.id === userId && p[field] < seq ? { ...p, [field]: seq } : p,
    );
    this.patch(conversationId, { participants });
  }

  private onPresence(frame: Frame<'user_status'>): void {
    for (const conversation of this.conversations.values()) {
      if (!conversation.participants.some((p) => p.user.id === frame.user_id)) continue;
      this.patch(conversation.id, {
        participants: conversation.participants.map((p) =>
          p.user.id === frame.user_id
            ? { ...p, online: frame.status === 'online', last_seen_at: frame.last_seen_at }
            : p,
        ),
      });
    }
  }

  private putConversation(conversation: Conversation): void {
    this.conversations.set(conversation.id, conversation);
    this.changed();
  }

  private patch(conversationId: string, change: Partial<Conversation>): void {
    const conversation = this.conversations.get(conversationId);
    if (!conversation) return;
    this.conversations.set(conversationId, { ...conversation, ...change });
    this.changed();
  }

  /** Many events arrive together (a replay): screens hear of them once per task. */
  private changed(): void {
    this.#version += 1;
    if (this.#notifyScheduled) return;
    this.#notifyScheduled = true;
    queueMicrotask(() => {
      this.#notifyScheduled = false;
      for (const listener of [...this.#listeners]) listener();
    });
  }
}
