/** The practice tables as Kysely sees them (migration 0010); same conventions as schema.ts. */
export type PracticeDatabase = {
  practices: PracticesTable;
  practice_members: PracticeMembersTable;
  practice_conversations: PracticeConversationsTable;
  saved_replies: SavedRepliesTable;
};

export interface PracticesTable {
  id: string;
  name: string;
  away_notice: string | null;
  created_at: string;
}

export interface PracticeMembersTable {
  practice_id: string;
  user_id: string;
  role: string;
  added_at: string;
}

export interface PracticeConversationsTable {
  conversation_id: string;
  practice_id: string;
  patient_id: string;
  assignee_id: string | null;
  assigned_at: string | null;
  created_at: string;
}

export interface SavedRepliesTable {
  id: string;
  practice_id: string;
  title: string;
  text: string;
  created_at: string;
}
