/** Keys per statement: far below SQLite's and PostgreSQL's limits on bound parameters. */
const KEYS_PER_QUERY = 500;

interface Asking<R> {
  keys: readonly string[];
  resolve: (rows: R[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Lookups by key that many callers make in one turn of the event loop become one query (one per
 * 500 keys). A node that restarts takes back thousands of sockets in a few seconds, and each
 * checks its session and user and reads its conversations' ends as it opens: one statement each
 * was most of that work on SQLite (kysely building and compiling it, the driver stepping it) and
 * a round trip each on PostgreSQL. One caller alone waits only until the end of its turn.
 *
 * Callers are answered in order, up to 500 keys' worth per turn: what the answered callers go on
 * to do (an upgrade, a resume) runs before the next query, and the event loop gets a turn in
 * between, so the frames and timers of sockets already open never wait behind thousands of
 * others' continuations run in one stretch.
 *
 * `load` reads the rows of any keys; `keyOf` says which key a row answers. Each caller gets the
 * rows of its own keys, as if it had asked alone.
 */
export function readsInOneQuery<R>(
  load: (keys: readonly string[]) => Promise<R[]>,
  keyOf: (row: R) => string,
): (keys: readonly string[]) => Promise<R[]> {
  let queue: Array<Asking<R>> = [];
  let scheduled = false;

  const answerNext = async () => {
    // The first callers in line, up to a query's worth of keys (at least one caller).
    const keys = new Set<string>();
    let count = 0;
    while (count < queue.length) {
      const more = queue[count]!.keys.filter((key) => !keys.has(key));
      if (count > 0 && keys.size + more.length > KEYS_PER_QUERY) break;
      for (const key of more) keys.add(key);
      count += 1;
    }
    const answered = queue.slice(0, count);
    queue = queue.slice(count);
    try {
      const rowsByKey = new Map<string, R[]>();
      const all = [...keys];
      for (let start = 0; start < all.length; start += KEYS_PER_QUERY) {
        for (const row of await load(all.slice(start, start + KEYS_PER_QUERY))) {
          const key = keyOf(row);
          const rows = rowsByKey.get(key);
          if (rows) rows.push(row);
          else rowsByKey.set(key, [row]);
        }
      }
      for (const asking of answered) {
        asking.resolve([...new Set(asking.keys)].flatMap((key) => rowsByKey.get(key) ?? []));
      }
    } catch (error) {
      for (const asking of answered) asking.reject(error);
    }
    if (queue.length > 0) setImmediate(() => void answerNext());
    else scheduled = false;
  };

  return (keys) => {
    if (keys.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      queue.push({ keys, resolve, reject });
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => void answerNext());
    });
  };
}
