import type { DomainEvent } from '../core/events.js';
import type { Bus } from '../core/ports/bus.js';
import { isCarechatMessage, type PrimaryToWorker, type WorkerToPrimary } from './ipc-messages.js';

/** The IPC channel to the primary, as a worker process sees it (node:cluster sets it up). */
export interface IpcChannel {
  send(message: WorkerToPrimary): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  readonly connected: boolean;
}

/**
 * The bus of one worker of `carechat serve --workers N` without Redis: an event is handed to this
 * worker's own connections at once and sent to the primary, which passes it to every other worker
 * (workers/primary.ts). The channel keeps each worker's events in the order they were published;
 * the live layer orders what arrives from several workers by `seq`, as it does across nodes.
 */
export class IpcBus implements Bus {
  readonly #handlers = new Set<(event: DomainEvent) => void>();
  readonly #onMessage = (message: unknown) => {
    if (!isCarechatMessage(message) || message.carechat !== 'bus') return;
    this.#deliver((message as PrimaryToWorker & { carechat: 'bus' }).event);
  };

  constructor(private readonly channel: IpcChannel) {
    channel.on('message', this.#onMessage);
  }

  async publish(event: DomainEvent): Promise<void> {
    this.#deliver(event);
    if (this.channel.connected) this.channel.send({ carechat: 'bus', event });
  }

  subscribe(handler: (event: DomainEvent) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  async ping(): Promise<void> {
    if (!this.channel.connected) throw new Error('the primary process is gone');
  }

  async close(): Promise<void> {
    this.channel.off('message', this.#onMessage);
    this.#handlers.clear();
  }

  #deliver(event: DomainEvent): void {
    for (const handler of this.#handlers) handler(event);
  }
}
