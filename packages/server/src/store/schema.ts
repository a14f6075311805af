import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them, one shape for both dialects. Timestamps are ISO 8601 UTC text
 * and booleans are 0/1 integers in both, so one query layer serves SQLite and PostgreSQL alike.
 */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  conversations: ConversationsTable;
  participants: ParticipantsTable;
  messages: MessagesTable;
  message_edits: MessageEditsTable;
  reactions: ReactionsTable;
  attachments: AttachmentsTable;
  delivery_cursors: DeliveryCursorsTable;
}

export interface UsersTable {
  id: string;
  /** Lower-cased. */
  email: string;
  name: string;
  role: string;
  password_hash: string | null;
  created_at: string;
  /** active | pending | rejected (migration 0005). */
  status: Generated<string>;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  /** sha256 of the refresh/session token; the token itself is never stored. */
  token_hash: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface ConversationsTable {
  id: string;
  kind: string;
  /** `userA:userB` (sorted) for 1:1 conversations: the unique key behind find-or-create. */
  direct_key: string | null;
  appointment_id: string | null;
  created_by: string;
  created_at: string;
  /** The last allocated message seq; bumped inside the insert's transaction. */
  last_seq: Generated<number>;
  last_activity_at: string;
}

export interface ParticipantsTable {
  conversation_id: string;
  user_id: string;
  joined_at: string;
  last_read_seq: Generated<number>;
  last_delivered_seq: Generated<number>;
  muted: Generated<number>;
  pinned: Generated<number>;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  client_msg_id: string;
  content: string;
  reply_to: string | null;
  /** JSON array of attachment references. */
  attachments: string;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
}

export interface MessageEditsTable {
  id: string;
  message_id: string;
  editor_id: string;
  /** `edit` or `delete`. */
  kind: string;
  previous_content: string;
  created_at: string;
}

export interface ReactionsTable {
  message_id: string;
  user_id: string;
  emoji: string;
  created_at: string;
}

export interface AttachmentsTable {
  id: string;
  conversation_id: string;
  uploader_id: string;
  name: string;
  content_type: string;
  size: number;
  /** Where the bytes are, for the attachment storage (a file name under the data folder by default). */
  storage_key: string;
  /** The message that references it, once sent. */
  message_id: string | null;
  created_at: string;
  /** Set with its message's deletion; a deleted attachment is never served again. */
  deleted_at: string | null;
}

/** Per session and conversation, the last seq a per-conversation socket is known to hold (0012). */
export interface DeliveryCursorsTable {
  session_id: string;
  conversation_id: string;
  seq: number;
  updated_at: string;
}
