import { useSyncExternalStore } from 'react';

/**
 * A message someone asked to see (a search result): the conversation's message list loads
 * history back to it, shows it and says it is done. Kept outside the URL so that choosing a
 * result in the conversation already open works the same.
 */
export interface JumpTarget {
  conversationId: string;
  seq: number;
}

let target: JumpTarget | undefined;
const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

export function requestJump(next: JumpTarget): void {
  target = next;
  notify();
}

export function jumpDone(done: JumpTarget): void {
  if (target !== done) return;
  target = undefined;
  notify();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The message to show in this conversation, if one was asked for. */
export function useJumpTarget(conversationId: string): JumpTarget | undefined {
  const current = useSyncExternalStore(subscribe, () => target);
  return current?.conversationId === conversationId ? current : undefined;
}
