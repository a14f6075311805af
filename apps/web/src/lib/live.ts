import type { CarechatClient } from '@carechat/client';
import type {
  Conversation,
  ConversationResponse,
  Message,
  Participant,
  Role,
  User,
} from '@carechat/protocol';
import type { ChatStore } from '@carechat/react';

export interface TypingPerson {
  userId: string;
  name: string;
  /** Their role, when the conversation is known: a colleague typing is "replying". */
  role?: Role;
}

/**
 * What this app shows beyond the chat itself, over the `ChatStore` of @carechat/react (which keeps
 * the conversations, messages, typing, viewing, markers and the connection): doctor_ready
 * announcements, the versions that make dashboards and team inboxes fetch again, signing out when
 * the server closes with 4401, and marking read only what someone can see (the open conversation,
 * the tab visible). Screens re-render on `version`, which follows the chat store's changes too.
 */
export class LiveStore {
  readonly chat: ChatStore;
  readonly client: CarechatClient;
  readonly me: User;
  /** The conversation on screen: its messages count as read while the page is visible. */
  openConversationId: string | undefined;

  readonly #onSignedOut: () => void;
  readonly #listeners = new Set<() => void>();
  readonly #reading = new Set<string>();
  readonly #readAgain = new Set<string>();
  #version = 0;
  #notifyScheduled = false;

  constructor(options: { chat: ChatStore; me: User; onSignedOut: () => void }) {
    this.chat = options.chat;
    this.client = options.chat.client;
    this.me = options.me;
    this.#onSignedOut = options.onSignedOut;
  }

  /** Starts following the client and the chat store; returns the way to stop (StrictMode may start again). */
  attach(): () => void {
    const c = this.client;
    const offs = [
      this.chat.subscribe(() => this.changed()),
      c.on('state', (change) => {
        if (change.to === 'disconnected' && change.code === 4401) this.#onSignedOut();
      }),
      c.on('message', (message) => this.onMessage(message)),
      // A consultation's conversation opens or closes with its appointment.
      c.on('appointment_updated', (f) => {
        const conversationId = f.appointment.consultation?.conversation_id;
        if (conversationId) void this.chat.refresh(conversationId);
      }),
    ];
    const onVisible = () => {
      if (document.visibilityState === 'visible' && this.openConversationId)
        this.markSeen(this.openConversationId);
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      for (const off of offs) off();
      document.removeEventListener('visibilitychange', onVisible);
    };
  }

  // ── for React ──────────────────────────────────────────────────────────────────────────────

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getVersion = (): number => this.#version;

  // ── what screens read ──────────────────────────────────────────────────────────────────────

  conversation(conversationId: string): Conversation | undefined {
    return this.chat.conversation(conversationId);
  }

  messages(conversationId: string): readonly Message[] {
    return this.client.conversation(conversationId).messages;
  }

  typing(conversationId: string): TypingPerson[] {
    return this.withRoles(conversationId, this.chat.typing(conversationId));
  }

  /** Colleagues who have this conversation open. */
  viewing(conversationId: string): TypingPerson[] {
    return this.withRoles(conversationId, this.chat.viewing(conversationId));
  }

  private withRoles(conversationId: string, people: TypingPerson[]): TypingPerson[] {
    const participants = this.chat.conversation(conversationId)?.participants ?? [];
    return people.map(({ userId, name }) => {
      const role = participants.find((p) => p.user.id === userId)?.user.role;
      return role ? { userId, name, role } : { userId, name };
    });
  }

  /** The other people in a conversation. */
  others(conversation: Conversation): Participant[] {
    return conversation.participants.filter((p) => p.user.id !== this.me.id);
  }

  // ── actions ────────────────────────────────────────────────────────────────────────────────

  /** A conversation by id (from the list, else from the server: refusals are thrown). */
  ensureConversation(conversationId: string): Promise<Conversation> {
    return this.chat.ensureConversation(conversationId);
  }

  loadLatest(conversationId: string): Promise<void> {
    return this.chat.loadLatest(conversationId);
  }

  /** Marks the open conversation read up to its newest message, when someone can see it. */
  markSeen(conversationId: string): void {
    if (document.visibilityState !== 'visible' || this.openConversationId !== conversationId) return;
    const conversation = this.chat.conversation(conversationId);
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
    this.chat
      .markRead(conversationId, last.seq)
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
    this.chat.put(body.conversation);
  }

  // ── events ─────────────────────────────────────────────────────────────────────────────────

  /** A message from someone else in the open conversation is read at once (when visible). */
  private onMessage(message: Message): void {
    if (message.sender_id !== this.me.id && this.openConversationId === message.conversation_id)
      this.markSeen(message.conversation_id);
  }

  /** Screens hear of a burst of changes once per task. */
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
