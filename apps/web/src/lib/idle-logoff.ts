/** What counts as someone using the app. */
const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'mousemove'] as const;

/**
 * Automatic logoff: calls `onIdle` once nobody has touched the app for `timeoutMs` (the server
 * ends an unused session after the same time; this makes the screen follow at once instead of
 * leaving patient data on a shared display). Returns a function that stops watching.
 */
export function watchInactivity(timeoutMs: number, onIdle: () => void): () => void {
  if (!(timeoutMs > 0)) return () => {};
  let timer = window.setTimeout(onIdle, timeoutMs);
  let last = Date.now();
  const reset = () => {
    const now = Date.now();
    // mousemove fires constantly: re-arming more than once a second buys nothing.
    if (now - last < 1000) return;
    last = now;
    window.clearTimeout(timer);
    timer = window.setTimeout(onIdle, timeoutMs);
  };
  for (const type of ACTIVITY) window.addEventListener(type, reset, { passive: true });
  return () => {
    window.clearTimeout(timer);
    for (const type of ACTIVITY) window.removeEventListener(type, reset);
  };
}
