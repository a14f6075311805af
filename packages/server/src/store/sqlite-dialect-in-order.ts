import {
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  SqliteDialect,
  type TransactionSettings,
} from 'kysely';

/**
 * Kysely's SQLite dialect, with its one connection handed to waiting queries in the order they
 * asked, one at a time.
 *
 * Kysely's own driver guards the connection with a lock that wakes every waiter on each release:
 * all of them run, one takes the lock and the others wait again. With N queries waiting that is
 * N² wake-ups, all promise continuations in one stretch of the event loop. 5,000 queries asked
 * at once took 0.8–1.2 s through it and 43–112 ms through this one; 1,000 took 72–186 ms and
 * 10–15 ms (docs/performance.md). Bursts like that come with every crowd of returning sockets
 * and every page of the web app that asks several things at once.
 */
export class SqliteDialectInOrder extends SqliteDialect {
  override createDriver(): Driver {
    return new DriverInOrder(super.createDriver());
  }
}

class DriverInOrder implements Driver {
  #connection: DatabaseConnection | undefined;
  #held = false;
  readonly #waiting: Array<() => void> = [];

  constructor(private readonly inner: Driver) {}

  async init(): Promise<void> {
    await this.inner.init();
    // The inner driver's one connection, taken once and kept: from here on its order is ours.
    this.#connection = await this.inner.acquireConnection();
  }

  acquireConnection(): Promise<DatabaseConnection> {
    const connection = this.#connection!;
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve(connection);
    }
    return new Promise((resolve) => this.#waiting.push(() => resolve(connection)));
  }

  async releaseConnection(): Promise<void> {
    // Straight to the next in line, which keeps the lock; none waiting: it is free.
    const next = this.#waiting.shift();
    if (next) next();
    else this.#held = false;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.inner.savepoint?.(connection, name, compile);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.inner.rollbackToSavepoint?.(connection, name, compile);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.inner.releaseSavepoint?.(connection, name, compile);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
