import type { DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { CoreError } from '../core/errors.js';

/**
 * PostgreSQL going away (a restart, a failover, a cut network) is an outage, not a bug: every
 * query that fails because the connection failed becomes `unavailable` (503, retry shortly), so
 * the doors answer it as such and clients retry. Errors of the query itself pass unchanged.
 *
 * SQLSTATE classes 08 (connection exception) and 57P (operator intervention: admin or crash
 * shutdown, cannot connect now), and the socket errors and messages node-postgres gives when the
 * server vanishes between or during queries.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || code.startsWith('57P')) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code))
      return true;
  }
  const message = (error as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    /Connection terminated|not queryable|timeout exceeded when trying to connect|Client was closed/.test(
      message,
    )
  );
}

/** Rethrows a connection failure as `unavailable`, and any other error as it is. */
export function translate(error: unknown): never {
  if (isConnectionFailure(error)) {
    throw Object.assign(
      new CoreError('unavailable', 'The database is not reachable; retry shortly.', { retryAfter: 1 }),
      {
        cause: error,
      },
    );
  }
  throw error;
}

/** Wraps a dialect so connection failures surface as `unavailable` (see isConnectionFailure). */
export function withAvailability(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => new AvailabilityDriver(dialect.createDriver()),
  };
}

class AvailabilityDriver implements Driver {
  readonly #connections = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection().catch(translate);
    const wrapped: DatabaseConnection = {
      executeQuery: <R>(query: Parameters<DatabaseConnection['executeQuery']>[0]): Promise<QueryResult<R>> =>
        connection.executeQuery<R>(query).catch(translate),
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
    this.#connections.set(wrapped, connection);
    return wrapped;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(this.unwrap(connection), settings).catch(translate);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(this.unwrap(connection)).catch(translate);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(this.unwrap(connection)).catch(translate);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(this.unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  private unwrap(connection: DatabaseConnection): DatabaseConnection {
    return this.#connections.get(connection) ?? connection;
  }
}
