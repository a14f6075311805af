import { TickBatcher } from './tick-batcher.js';

/** Keys per statement: far below SQLite's and PostgreSQL's limits on bound parameters. */
const KEYS_PER_QUERY = 500;

/**
 * Lookups by key that many callers make in one turn of the event loop become one query (one per
 * 500 keys). A node that restarts takes back thousands of sockets in a few seconds, and each
 * checks its session and user and reads its conversations' ends as it opens: one statement each
 * was most of that work on SQLite (kysely building and compiling it, the driver stepping it) and
 * a round trip each on PostgreSQL. One caller alone waits only until the end of its turn.
 *
 * `load` reads the rows of any keys; `keyOf` says which key a row answers. Each caller gets the
 * rows of its own keys, as if it had asked alone.
 */
export function readsInOneQuery<R>(
  load: (keys: readonly string[]) => Promise<R[]>,
  keyOf: (row: R) => string,
): (keys: readonly string[]) => Promise<R[]> {
  const batcher = new TickBatcher(async (asked: ReadonlyArray<readonly string[]>) => {
    const keys = [...new Set(asked.flat())];
    const rowsByKey = new Map<string, R[]>();
    for (let start = 0; start < keys.length; start += KEYS_PER_QUERY) {
      for (const row of await load(keys.slice(start, start + KEYS_PER_QUERY))) {
        const key = keyOf(row);
        const rows = rowsByKey.get(key);
        if (rows) rows.push(row);
        else rowsByKey.set(key, [row]);
      }
    }
    return asked.map((list) => [...new Set(list)].flatMap((key) => rowsByKey.get(key) ?? []));
  });
  return (keys) => (keys.length === 0 ? Promise.resolve([]) : batcher.add(keys));
}
