import type { User } from '@carechat/protocol';
import { createContext, useContext } from 'react';

/** The signed-in user, as the session said (SignedIn provides it). */
export const MeContext = createContext<User | null>(null);

export function useMe(): User {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe outside MeContext');
  return me;
}
