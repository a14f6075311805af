import type { Presence, PresenceStatus } from '../core/presence.js';
import type { IpcChannel } from './ipc-bus.js';
import { isCarechatMessage, type PrimaryToWorker, type WorkerToPrimary } from './ipc-messages.js';

type Reply = PrimaryToWorker & { carechat: 'presence-reply' };
type Request = Extract<WorkerToPrimary, { carechat: 'presence' }>;
type RequestBody = Request extends infer R ? (R extends unknown ? Omit<R, 'id' | 'carechat'> : never) : never;

/** A question the primary leaves unanswered this long is an error (it is gone or stuck). */
const REPLY_TIMEOUT_MS = 5000;

/**
 * Presence for the workers of one `carechat serve --workers N` without Redis: the primary keeps
 * the one count of every user's devices over all workers (and drops a dead worker's), so a user
 * connected through one worker is online for the users of every other.
 */
export class IpcPresence implements Presence {
  #nextId = 1;
  readonly #waiting = new Map<
    number,
    { resolve(reply: Reply['result']): void; reject(error: Error): void }
  >();
  readonly #onMessage = (message: unknown) => {
    if (!isCarechatMessage(message) || message.carechat !== 'presence-reply') return;
    const reply = message as Reply;
    const waiter = this.#waiting.get(reply.id);
    this.#waiting.delete(reply.id);
    waiter?.resolve(reply.result);
  };

  constructor(private readonly channel: IpcChannel) {
    channel.on('message', this.#onMessage);
  }

  async connected(userId: string): Promise<boolean> {
    return (await this.#ask({ op: 'connected', userId })) === true;
  }

  async disconnected(userId: string, at: Date): Promise<boolean> {
    return (await this.#ask({ op: 'disconnected', userId, at: at.toISOString() })) === true;
  }

  async status(userIds: readonly string[]): Promise<Map<string, PresenceStatus>> {
    if (userIds.length === 0) return new Map();
    const result = await this.#ask({ op: 'status', userIds });
    return new Map(Array.isArray(result) ? result : []);
  }

  close(): void {
    this.channel.off('message', this.#onMessage);
    for (const waiter of this.#waiting.values()) waiter.reject(new Error('presence closed'));
    this.#waiting.clear();
  }

  #ask(body: RequestBody): Promise<Reply['result']> {
    if (!this.channel.connected) return Promise.reject(new Error('the primary process is gone'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error('the primary did not answer a presence question'));
      }, REPLY_TIMEOUT_MS);
      timer.unref();
      this.#waiting.set(id, {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        reject,
      });
      this.channel.send({ carechat: 'presence', id, ...body } as Request);
    });
  }
}
