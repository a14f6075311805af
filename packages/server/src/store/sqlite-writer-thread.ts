import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import type { NewMessage } from '../core/ports/message-store.js';
import { type AppendOutcome, appendSqliteBatch } from './message-append-sqlite.js';
import { SearchIndexSchedule } from './search-index-sqlite.js';
import {
  advanceSqliteMarkers,
  type MarkerAdvance,
  type SessionTouch,
  touchSqliteSessions,
} from './small-writes-sqlite.js';
import { WalCheckpoints } from './wal-checkpoints-sqlite.js';

/**
 * The body of the SQLite message-writer thread (store/sqlite-writer.ts). It owns a connection of
 * its own to the same file and writes each batch with `appendSqliteBatch` (or moves read and
 * delivery markers and touches sessions: small-writes-sqlite.ts), so the fsync of a commit (synchronous=FULL)
 * blocks this thread, never the server's event loop. New messages enter the search index here too,
 * in bulk after their commit (search-index-sqlite.ts), and the WAL is checkpointed here, after the
 * commits it follows are answered (wal-checkpoints-sqlite.ts).
 */

/**
 * A batch of messages to append, of markers to move, or of sessions to touch; or a search about to
 * run, which needs every committed message in the index.
 */
export type WriteRequest =
  | { id: number; inputs: NewMessage[] }
  | { id: number; markers: MarkerAdvance[] }
  | { id: number; touches: SessionTouch[] }
  | { id: number; indexForSearch: true };

export interface WriteResponse {
  id: number;
  results?: AppendOutcome[];
  /** For markers: each marker as stored. */
  markers?: number[];
  /** The whole batch rolled back. */
  error?: string;
}

const db = new SqliteDatabase((workerData as { file: string }).file);
// First, as in sqlite.ts: other connections may hold the file's locks while this one starts.
db.pragma('busy_timeout = 5000');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');

const checkpoints = new WalCheckpoints(db);
const searchIndex = new SearchIndexSchedule(db);
// Messages a previous process committed but did not index before it stopped.
searchIndex.catchUp();

parentPort!.on('message', (request: WriteRequest) => {
  let response: WriteResponse;
  try {
    if ('markers' in request)
      response = { id: request.id, markers: advanceSqliteMarkers(db, request.markers) };
    else if ('touches' in request) {
      touchSqliteSessions(db, request.touches);
      response = { id: request.id };
    } else if ('indexForSearch' in request) {
      searchIndex.flush();
      response = { id: request.id };
    } else {
      const results = appendSqliteBatch(db, request.inputs);
      if (results.some((r) => 'row' in r && r.created)) searchIndex.appended();
      response = { id: request.id, results };
    }
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(response);
  checkpoints.committed();
});
