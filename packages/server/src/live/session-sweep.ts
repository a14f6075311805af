import type { LiveLayer } from './live-layer.js';

/**
 * Every `intervalMs`, the sessions behind this node's open connections are checked again (see
 * LiveLayer.sweep). Revocations normally arrive through the bus within milliseconds; this is the
 * backstop.
 */
export function startSessionSweep(
  live: Pick<LiveLayer, 'sweep'>,
  intervalMs: number,
  onError: (error: unknown) => void,
): { stop(): void } {
  if (intervalMs <= 0) return { stop() {} };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void live
      .sweep()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
