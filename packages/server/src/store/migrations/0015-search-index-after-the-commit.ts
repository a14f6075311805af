import { type Kysely, type Migration, sql } from 'kysely';
import { isSqlite } from './dialect.js';

/**
 * SQLite: a new message waits in `messages_fts_pending` for the full-text index instead of being
 * indexed in its own transaction (store/search-index-sqlite.ts indexes the waiting ones in bulk).
 * FTS5 writes a segment and its bookkeeping per transaction: a quarter of the pages a lone send
 * committed. Edits and deletions of a message still waiting leave the index alone (it holds
 * nothing of it yet); of an indexed one, they change it as before. PostgreSQL's expression index
 * is left as it is.
 */
export const searchIndexAfterTheCommit: Migration = {
  async up(db: Kysely<unknown>) {
    if (!isSqlite(db)) return;
    await sql`create table messages_fts_pending (message_rowid integer primary key)`.execute(db);
    for (const trigger of ['messages_fts_insert', 'messages_fts_delete', 'messages_fts_update']) {
      await sql`drop trigger ${sql.ref(trigger)}`.execute(db);
    }
    await sql`create trigger messages_fts_insert after insert on messages begin
      insert into messages_fts_pending (message_rowid) values (new.rowid); end`.execute(db);
    await sql`create trigger messages_fts_delete after delete on messages begin
      insert into messages_fts (messages_fts, rowid, content) select 'delete', old.rowid, old.content
        where not exists (select 1 from messages_fts_pending where message_rowid = old.rowid);
      delete from messages_fts_pending where message_rowid = old.rowid; end`.execute(db);
    await sql`create trigger messages_fts_update after update of content on messages
      when not exists (select 1 from messages_fts_pending where message_rowid = old.rowid) begin
      insert into messages_fts (messages_fts, rowid, content) values ('delete', old.rowid, old.content);
      insert into messages_fts (rowid, content) values (new.rowid, new.content); end`.execute(db);
  },

  async down(db: Kysely<unknown>) {
    if (!isSqlite(db)) return;
    await sql`insert into messages_fts (rowid, content)
      select m.rowid, m.content from messages_fts_pending p join messages m on m.rowid = p.message_rowid`.execute(
      db,
    );
    for (const trigger of ['messages_fts_insert', 'messages_fts_delete', 'messages_fts_update']) {
      await sql`drop trigger ${sql.ref(trigger)}`.execute(db);
    }
    await sql`drop table messages_fts_pending`.execute(db);
    await sql`create trigger messages_fts_insert after insert on messages begin
      insert into messages_fts(rowid, content) values (new.rowid, new.content); end`.execute(db);
    await sql`create trigger messages_fts_delete after delete on messages begin
      insert into messages_fts(messages_fts, rowid, content) values ('delete', old.rowid, old.content); end`.execute(
      db,
    );
    await sql`create trigger messages_fts_update after update of content on messages begin
      insert into messages_fts(messages_fts, rowid, content) values ('delete', old.rowid, old.content);
      insert into messages_fts(rowid, content) values (new.rowid, new.content); end`.execute(db);
  },
};
