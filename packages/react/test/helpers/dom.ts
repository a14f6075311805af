import { Window } from 'happy-dom';

/**
 * A DOM for React to render into, installed beside Node's own globals rather than instead of
 * them (vitest's happy-dom environment replaces URL and fetch, which the server under test and the
 * SDK need as Node has them). Imported first, before React and Testing Library.
 */
const window = new Window({ url: 'http://localhost/' });
const globals = globalThis as Record<string, unknown>;
globals.window = window;
globals.document = window.document;
// Node 20 has no navigator (later Nodes do: theirs is kept).
globals.navigator ??= window.navigator;
for (const name of [
  'Node',
  'Element',
  'HTMLElement',
  'HTMLIFrameElement',
  'Text',
  'Event',
  'MouseEvent',
  'KeyboardEvent',
  'MutationObserver',
  'getComputedStyle',
  'requestAnimationFrame',
  'cancelAnimationFrame',
]) {
  const value = (window as unknown as Record<string, unknown>)[name];
  globals[name] = typeof value === 'function' && /^[a-z]/.test(name) ? value.bind(window) : value;
}
// Updates come from a real server, when it sends them, not from act(): React renders them as in a
// browser, and the tests wait for what the page shows (findBy…, waitFor).
globals.IS_REACT_ACT_ENVIRONMENT = false;
