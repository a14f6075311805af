import type { CarechatClient } from '@carechat/client';
import { createContext, createElement, type ReactNode, useContext, useEffect, useMemo } from 'react';
import { ChatStore } from './chat-store.js';

const StoreContext = createContext<ChatStore | null>(null);

export interface CarechatProviderProps {
  /** The app's client (`createClient`); the provider follows it and leaves closing it to the app. */
  client: CarechatClient;
  /** The signed-in user's id when the app knows it (else it is asked of the server once). */
  userId?: string;
  children?: ReactNode;
}

/** Makes one client's conversations, messages and connection available to the hooks below it. */
export function CarechatProvider({ client, userId, children }: CarechatProviderProps) {
  // A new client (another user signed in) gets a store of its own.
  const store = useMemo(() => new ChatStore(client, userId ? { meId: userId } : {}), [client, userId]);
  useEffect(() => store.attach(), [store]);
  return createElement(StoreContext.Provider, { value: store }, children);
}

/** The store of the nearest provider; throws outside one, which is always a mistake. */
export function useChatStore(): ChatStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('carechat hooks need a <CarechatProvider client={…}> above them');
  return store;
}
