import { type Kysely, type Migration, sql } from 'kysely';
import { isSqlite } from './dialect.js';

/** Delivery markers, edit history, reactions, attachments and full-text search over messages. */
export const liveFeatures: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('participants')
      .addColumn('last_delivered_seq', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();

    // Every earlier version of an edited or deleted message, kept server-side for audit.
    await db.schema
      .createTable('message_edits')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
      .addColumn('editor_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('previous_content', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('message_edits_message').on('message_edits').column('message_id').execute();

    await db.schema
      .createTable('reactions')
      .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('emoji', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('reactions_pk', ['message_id', 'user_id', 'emoji'])
      .execute();

    await db.schema
      .createTable('attachments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('conversation_id', 'text', (c) =>
        c.notNull().references('conversations.id').onDelete('cascade'),
      )
      .addColumn('uploader_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('storage_key', 'text', (c) => c.notNull())
      .addColumn('message_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('attachments_conversation')
      .on('attachments')
      .column('conversation_id')
      .execute();

    await db.schema.createIndex('messages_created').on('messages').columns(['created_at', 'id']).execute();

    if (isSqlite(db)) {
      // An external-content FTS5 index over messages.content, kept in step by triggers.
      await sql`create virtual table messages_fts using fts5(content, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')`.execute(
        db,
      );
      await sql`create trigger messages_fts_insert after insert on messages begin
        insert into messages_fts(rowid, content) values (new.rowid, new.content); end`.execute(db);
      await sql`create trigger messages_fts_delete after delete on messages begin
        insert into messages_fts(messages_fts, rowid, content) values ('delete', old.rowid, old.content); end`.execute(
        db,
      );
      await sql`create trigger messages_fts_update after update of content on messages begin
        insert into messages_fts(messages_fts, rowid, content) values ('delete', old.rowid, old.content);
        insert into messages_fts(rowid, content) values (new.rowid, new.content); end`.execute(db);
      await sql`insert into messages_fts(messages_fts) values ('rebuild')`.execute(db);
    } else {
      await sql`create index messages_content_fts on messages using gin (to_tsvector('simple', content))`.execute(
        db,
      );
    }
  },

  async down(db: Kysely<unknown>) {
    if (isSqlite(db)) {
      for (const trigger of ['messages_fts_insert', 'messages_fts_delete', 'messages_fts_update']) {
        await sql`drop trigger if exists ${sql.ref(trigger)}`.execute(db);
      }
      await sql`drop table if exists messages_fts`.execute(db);
    } else {
      await sql`drop index if exists messages_content_fts`.execute(db);
    }
    await db.schema.dropIndex('messages_created').ifExists().execute();
    for (const table of ['attachments', 'reactions', 'message_edits']) {
      await db.schema.dropTable(table).ifExists().execute();
    }
    await db.schema.alterTable('participants').dropColumn('last_delivered_seq').execute();
  },
};
