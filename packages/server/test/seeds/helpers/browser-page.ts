import { JSDOM } from 'jsdom';

/**
 * A browser page for the seeds' React code, in Node: jsdom's window and document as globals (what
 * React, SWR and the seeds' hooks reach for), its WebSocket, and a fetch that resolves relative
 * URLs against the page's address as a browser does (seed 004 fetches `/api/conversations/…`).
 * Set up before React is first imported: React and SWR look for a DOM when they load.
 */
export function openPage(url: string): { window: JSDOM['window']; close(): void } {
  const dom = new JSDOM('<!doctype html><html><body></body></html>', { url, pretendToBeVisual: true });
  const { window } = dom;
  // jsdom lays nothing out, so it has no scrolling; the seeds' pages scroll to their last message.
  window.HTMLElement.prototype.scrollIntoView = () => {};
  const globals = globalThis as unknown as Record<string, unknown>;
  const added: string[] = [];
  for (const key of Object.getOwnPropertyNames(window)) {
    if (key in globalThis) continue;
    globals[key] = (window as unknown as Record<string, unknown>)[key];
    added.push(key);
  }
  globals.window = window;
  globals.document = window.document;
  globals.navigator = window.navigator;
  globals.WebSocket = window.WebSocket;
  // Waiting for the page's state is done by polling the DOM, not by act().
  globals.IS_REACT_ACT_ENVIRONMENT = false;
  const nodeFetch = globalThis.fetch;
  globals.fetch = (input: string | URL, init?: RequestInit) =>
    nodeFetch(new URL(String(input), window.location.href), init);
  return {
    window,
    close() {
      window.close();
      globals.fetch = nodeFetch;
      for (const key of added) delete globals[key];
    },
  };
}

/** Waits until `read` returns something other than undefined (polling: the page updates by itself). */
export async function waitFor<T>(read: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Types into an input the way a user does, so React's onChange fires. */
export function typeInto(input: HTMLInputElement, text: string): void {
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(input), 'value')?.set;
  setter?.call(input, text);
  input.dispatchEvent(new input.ownerDocument.defaultView!.Event('input', { bubbles: true }));
}
