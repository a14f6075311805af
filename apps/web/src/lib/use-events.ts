import type { ClientEvents } from '@carechat/client';
import { useCarechatClient } from '@carechat/react';
import { useEffect, useState } from 'react';

/**
 * How many events of one kind the client has had since the caller mounted: a version to put in
 * an effect's dependencies, so a screen fetches again when, say, an appointment changed live.
 */
export function useEventCount(type: keyof ClientEvents): number {
  const client = useCarechatClient();
  const [count, setCount] = useState(0);
  useEffect(() => client.on(type, () => setCount((n) => n + 1)), [client, type]);
  return count;
}
