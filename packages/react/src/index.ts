/** React bindings for the carechat client SDK. See docs/client.md, "In React". */
export { ChatStore, type HistoryState, type Presence, type TypingPerson } from './chat-store.js';
export {
  type ConversationResult,
  type ConversationsResult,
  useCarechatClient,
  useConnectionState,
  useConversation,
  useConversations,
  useOutbox,
  usePresence,
  useTyping,
  useUnreadTotal,
  useViewing,
} from './hooks.js';
export { CarechatProvider, type CarechatProviderProps, useChatStore } from './provider.js';
