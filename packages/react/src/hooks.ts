import type { CarechatClient, ConnectionState, OutboxEntry, SendOptions } from '@carechat/client';
import type { Conversation, Message } from '@carechat/protocol';
import { useCallback, useEffect, useMemo, useSyncExternalStore } from 'react';
import type { HistoryState, Presence, TypingPerson } from './chat-store.js';
import { useChatStore } from './provider.js';

/** Re-renders the caller on every change of the store; returns the version it rendered. */
function useVersion(): number {
  const store = useChatStore();
  return useSyncExternalStore(store.subscribe, store.getVersion, store.getVersion);
}

/** The client of the nearest provider, for what the hooks do not cover. */
export function useCarechatClient(): CarechatClient {
  return useChatStore().client;
}

/** The connection: `connecting`, `connected`, `reconnecting`, `offline` or `disconnected`. */
export function useConnectionState(): ConnectionState {
  const store = useChatStore();
  return useSyncExternalStore(
    store.subscribe,
    () => store.connection,
    () => store.connection,
  );
}

export interface ConversationsResult {
  /** Pinned first, then the newest activity first; kept current live. */
  conversations: Conversation[];
  loaded: boolean;
  error: unknown;
  reload(): Promise<void>;
}

/** The user's conversations, with their last message, unread counts, markers and presence. */
export function useConversations(): ConversationsResult {
  const store = useChatStore();
  const version = useVersion();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new list per change of the store
  const conversations = useMemo(() => store.conversations(), [store, version]);
  return {
    conversations,
    loaded: store.conversationsLoaded,
    error: store.conversationsError,
    reload: () => store.loadConversations(),
  };
}

export interface ConversationResult {
  /** The conversation as listed (undefined until the list has it). */
  conversation: Conversation | undefined;
  /** Held messages, oldest first, each once, in seq order. */
  messages: readonly Message[];
  /** This conversation's sends not stored yet: `pending`, `sending` or `failed` (with its error). */
  outbox: OutboxEntry[];
  history: HistoryState;
  /** People typing now (not the user). */
  typing: TypingPerson[];
  connection: ConnectionState;
  /** Resolves with the stored message (kept in the outbox and retried until then). */
  send(content: string, options?: SendOptions): Promise<Message>;
  edit(messageId: string, content: string): Promise<Message>;
  remove(messageId: string): Promise<Message>;
  /** Best effort; call with false when the composer empties or loses focus. */
  setTyping(isTyping: boolean): void;
  /** Marks read up to `seq` (default: the newest held message). */
  markRead(seq?: number): Promise<void>;
  /** Loads the page before the oldest held message; does nothing when there is none. */
  loadOlder(): Promise<void>;
  /** Sends a failed entry of the outbox again, as it was. */
  retry(clientMsgId: string): Promise<Message>;
}

/** One conversation: its messages live, the newest page loaded on first use, and what to do in it. */
export function useConversation(conversationId: string): ConversationResult {
  const store = useChatStore();
  const version = useVersion();
  const connection = useConnectionState();
  const client = store.client;
  useEffect(() => {
    void store.loadLatest(conversationId);
  }, [store, conversationId]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: new arrays per change of the store
  const view = useMemo(() => {
    const chat = client.conversation(conversationId);
    return { messages: [...chat.messages], outbox: chat.pending, typing: store.typing(conversationId) };
  }, [client, store, conversationId, version]);
  const send = useCallback(
    (content: string, options?: SendOptions) => client.send(conversationId, content, options),
    [client, conversationId],
  );
  const setTyping = useCallback(
    (isTyping: boolean) => client.setTyping(conversationId, isTyping),
    [client, conversationId],
  );
  // Stable across renders, so callers may list it in their effects' dependencies.
  const loadOlder = useCallback(() => store.loadOlder(conversationId), [store, conversationId]);
  return {
    conversation: store.conversation(conversationId),
    ...view,
    history: store.history(conversationId),
    connection,
    send,
    edit: (messageId, content) => client.editMessage(messageId, content),
    remove: (messageId) => client.deleteMessage(messageId),
    setTyping,
    markRead: (seq) => store.markRead(conversationId, seq),
    loadOlder,
    retry: (clientMsgId) => client.retry(clientMsgId),
  };
}

/** People typing in a conversation now (not the user), without loading its messages (a list row). */
export function useTyping(conversationId: string): TypingPerson[] {
  const store = useChatStore();
  const version = useVersion();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new list per change of the store
  return useMemo(() => store.typing(conversationId), [store, conversationId, version]);
}

/** Colleagues who have the conversation open now (the server tells staff only). */
export function useViewing(conversationId: string): TypingPerson[] {
  const store = useChatStore();
  const version = useVersion();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new list per change of the store
  return useMemo(() => store.viewing(conversationId), [store, conversationId, version]);
}

/** Whether a user is online (from the conversations they share with the user, then live). */
export function usePresence(userId: string): Presence | undefined {
  const store = useChatStore();
  useVersion();
  return store.presence(userId);
}

/** Every send not stored yet, in all conversations (a "3 messages waiting" banner). */
export function useOutbox(): OutboxEntry[] {
  const store = useChatStore();
  const version = useVersion();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new list per change of the store
  return useMemo(() => store.client.outbox.entries, [store, version]);
}

/** The badge count: unread messages over all conversations, muted ones left out. */
export function useUnreadTotal(): number {
  const store = useChatStore();
  return useSyncExternalStore(
    store.subscribe,
    () => store.unreadTotal(),
    () => store.unreadTotal(),
  );
}
