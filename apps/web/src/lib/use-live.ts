import { createContext, useContext, useSyncExternalStore } from 'react';
import type { LiveStore } from './live.js';

export const LiveContext = createContext<LiveStore | null>(null);

/** The live store, re-rendering the caller whenever it changes. */
export function useLive(): LiveStore {
  const store = useContext(LiveContext);
  if (!store) throw new Error('useLive outside LiveContext');
  useSyncExternalStore(store.subscribe, store.getVersion);
  return store;
}

/** The live store without re-rendering on its changes (for components that get their data as props). */
export function useLiveStore(): LiveStore {
  const store = useContext(LiveContext);
  if (!store) throw new Error('useLiveStore outside LiveContext');
  return store;
}
