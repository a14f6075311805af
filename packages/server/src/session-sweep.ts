import type { Core } from './core/index.js';

/**
 * Every `intervalMs`, the sessions behind this node's open connections are checked again: a
 * revocation the bus lost, a session that expired or went idle, ends its connections here too.
 * Revocations normally arrive through the bus within milliseconds; this is the backstop.
 */
export function startSessionSweep(
  core: Core,
  intervalMs: number,
  onError: (error: unknown) => void,
): { stop(): void } {
  if (intervalMs <= 0) return { stop() {} };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void sweep(core)
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

export async function sweep(core: Core): Promise<number> {
  const subscribers = core.hub.subscribers();
  if (subscribers.length === 0) return 0;
  const stale = new Set(await core.sessions.stale(subscribers.map((s) => s.actor)));
  let closed = 0;
  for (const subscriber of subscribers) {
    if (!stale.has(subscriber.actor.sessionId)) continue;
    subscriber.revoke({
      type: 'session_revoked',
      session_ids: [subscriber.actor.sessionId],
      reason: 'expired',
    });
    closed += 1;
  }
  return closed;
}
