import type { ServerFrame } from '@carechat/protocol';

const encoded = new WeakMap<object, string>();

/**
 * A frame as JSON text, the wire of /ws, /ws/chat and the event streams. Frames made from one
 * domain event are shared by every connection on the node (live/event-frames.ts), so this
 * serialises each once, however many recipients it has.
 */
export function jsonFrame(frame: ServerFrame | { type: string }): string {
  let text = encoded.get(frame);
  if (text === undefined) {
    text = JSON.stringify(frame);
    encoded.set(frame, text);
  }
  return text;
}
