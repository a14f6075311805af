import type { Store } from '../../src/core/ports/store.js';

type Executor = { executeQuery: (query: { sql: string }, ...rest: unknown[]) => Promise<unknown> };

/**
 * The SELECT statements a Kysely-backed store runs while `work` runs (in-process servers only):
 * how the read-count suites prove that a path asks the store nothing it need not.
 */
export async function selectsDuring(store: Store, work: () => Promise<void>): Promise<string[]> {
  const executor = (store as unknown as { db: { getExecutor(): Executor } }).db.getExecutor();
  const reads: string[] = [];
  const execute = executor.executeQuery.bind(executor);
  executor.executeQuery = (query, ...rest) => {
    if (/^\s*select/i.test(query.sql)) reads.push(query.sql);
    return execute(query, ...rest);
  };
  try {
    await work();
  } finally {
    executor.executeQuery = execute;
  }
  return reads;
}
