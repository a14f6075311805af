import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { round, summarise } from './stats.js';

/**
 * What one durable commit costs on the disk the SQLite setup writes to: single-row transactions
 * in WAL mode with synchronous=FULL, as the message writer commits. An acknowledgement waits for
 * one such commit (a group commit carries many messages, but a lone message still pays one), so
 * its p50 is the floor of the send latency at a low rate, whatever the server does.
 */
export function diskCommitLatency(commits = 200): { disk_commit_p50_ms: number; disk_commit_p99_ms: number } {
  const dir = mkdtempSync(join(tmpdir(), 'carechat-disk-'));
  const db = new SqliteDatabase(join(dir, 'probe.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('create table probe (id integer primary key, body text)');
    const insert = db.prepare('insert into probe (body) values (?)');
    const commit = db.transaction(() => insert.run('x'.repeat(120)));
    const samples: number[] = [];
    for (let i = 0; i < commits; i++) {
      const started = performance.now();
      commit();
      samples.push(performance.now() - started);
    }
    const { p50, p99 } = summarise(samples);
    return { disk_commit_p50_ms: round(p50, 3), disk_commit_p99_ms: round(p99, 3) };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
