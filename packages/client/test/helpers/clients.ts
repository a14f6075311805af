import type { Message } from '@carechat/protocol';
import WebSocket from 'ws';
import { CarechatClient, type ClientOptions } from '../../src/client.js';
import type { SyncReport } from '../../src/events.js';
import type { KeyValueStorage, WebSocketConstructor } from '../../src/platform.js';

/** `ws` as the SDK's WebSocket in Node 20 (which has no global one). */
export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

/** A client for a test: records every message it was handed, and can wait for them. */
export class RecordingClient {
  readonly messages: Message[] = [];
  readonly syncs: SyncReport[] = [];
  readonly client: CarechatClient;
  readonly #waiters = new Set<() => void>();

  constructor(options: ClientOptions) {
    this.client = new CarechatClient({ WebSocket: NodeWebSocket, ...options });
    this.client.on('message', (m) => {
      this.messages.push(m);
      this.wake();
    });
    this.client.on('synced', (s) => {
      this.syncs.push(s);
      this.wake();
    });
    this.client.on('state', () => this.wake());
    // Edits, deletes and reactions change a message already handed over.
    this.client.on('message_updated', () => this.wake());
  }

  /** Messages of one conversation in the order they were handed over. */
  in(conversationId: string): Message[] {
    return this.messages.filter((m) => m.conversation_id === conversationId);
  }

  /** Waits until `condition` holds, re-checking whenever the client reports something. */
  until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `timed out waiting for ${what} (state ${this.client.state}, ${this.messages.length} messages)`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  synced(count = 1): Promise<void> {
    return this.until(() => this.syncs.length >= count, `${count} synced events`);
  }

  close(): void {
    this.client.close();
  }

  private wake(): void {
    for (const check of [...this.#waiters]) check();
  }
}

export class MapStorage implements KeyValueStorage {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
}

/** A WebSocket that can never connect, as behind a proxy that blocks upgrades. */
export class BlockedWebSocket {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  static attempts = 0;
  constructor(readonly url: string) {
    BlockedWebSocket.attempts += 1;
    setTimeout(() => {
      this.readyState = 3;
      this.onerror?.({});
      this.onclose?.({ code: 1006, reason: '' });
    }, 0);
  }
  send(): void {
    throw new Error('not open');
  }
  close(): void {
    this.readyState = 3;
  }
}
