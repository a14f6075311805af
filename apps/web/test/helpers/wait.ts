import type { Locator } from 'playwright-core';

/**
 * Polls `check` until it holds (no fixed sleeps): what a person waits for on screen may take a
 * while on a loaded machine, so the limit is generous and the failure says what was awaited.
 */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function untilCount(locator: Locator, count: number, what: string, timeoutMs?: number): Promise<void> {
  return until(async () => (await locator.count()) === count, `${what} (${count})`, timeoutMs);
}
