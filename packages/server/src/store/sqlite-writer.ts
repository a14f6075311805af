import { Worker } from 'node:worker_threads';
import type { NewMessage } from '../core/ports/message-store.js';
import type { AppendOutcome } from './message-append-sqlite.js';
import type { MarkerAdvance, SessionTouch } from './small-writes-sqlite.js';
import type { WriteRequest, WriteResponse } from './sqlite-writer-thread.js';

/**
 * The thread's entry. From the sources (tsx, vitest) a boot file registers tsx in the thread first;
 * the built server (build.mjs) has the thread's body compiled beside its own main.js.
 */
const THREAD_ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('./sqlite-writer-boot.mjs', import.meta.url)
  : new URL('./sqlite-writer-thread.js', import.meta.url);

/**
 * Writes SQLite message batches on a thread of their own (sqlite-writer-thread.ts). better-sqlite3
 * is synchronous: a commit with synchronous=FULL waits for the disk, and on the main thread that
 * wait would stall every socket of the process. Readers keep using the main connection (WAL lets
 * them read while the writer commits).
 */
export class SqliteMessageWriter {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (r: WriteResponse) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #failed: Error | undefined;

  constructor(file: string) {
    this.#worker = new Worker(THREAD_ENTRY, { workerData: { file } });
    this.#worker.on('message', (response: WriteResponse) => {
      const waiter = this.#pending.get(response.id);
      this.#pending.delete(response.id);
      waiter?.resolve(response);
    });
    const fail = (error: Error) => {
      this.#failed = error;
      for (const waiter of this.#pending.values()) waiter.reject(error);
      this.#pending.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', () => fail(new Error('sqlite writer thread exited')));
  }

  /** One transaction for the batch; a result (or error) per input, in order. Rejects if the batch rolled back. */
  async write(inputs: readonly NewMessage[]): Promise<AppendOutcome[]> {
    const response = await this.request({ id: this.#nextId++, inputs: [...inputs] });
    if (!response.results) throw new Error('write failed');
    return response.results;
  }

  /** Moves markers in one transaction; each marker as stored after, in order. */
  async advanceMarkers(markers: readonly MarkerAdvance[]): Promise<number[]> {
    const response = await this.request({ id: this.#nextId++, markers: [...markers] });
    if (!response.markers) throw new Error('write failed');
    return response.markers;
  }

  /** Moves sessions' last use in one transaction. */
  async touchSessions(touches: readonly SessionTouch[]): Promise<void> {
    await this.request({ id: this.#nextId++, touches: [...touches] });
  }

  /** Indexes every committed message for search (search-index-sqlite.ts) before a search runs. */
  async indexForSearch(): Promise<void> {
    await this.request({ id: this.#nextId++, indexForSearch: true });
  }

  private async request(request: WriteRequest): Promise<WriteResponse> {
    if (this.#failed) throw this.#failed;
    const response = await new Promise<WriteResponse>((resolve, reject) => {
      this.#pending.set(request.id, { resolve, reject });
      this.#worker.postMessage(request);
    });
    if (response.error !== undefined) throw new Error(response.error);
    return response;
  }

  async close(): Promise<void> {
    this.#worker.removeAllListeners('exit');
    await this.#worker.terminate();
  }
}
