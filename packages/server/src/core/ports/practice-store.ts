import type { PracticeRole } from '@carechat/protocol';

/** A care team an admin manages (migration 0010). */
export interface PracticeRecord {
  id: string;
  name: string;
  awayNotice: string | null;
  createdAt: string;
}

export interface PracticeMemberRecord {
  practiceId: string;
  userId: string;
  role: PracticeRole;
  addedAt: string;
}

/** A practice taking part in one patient's conversation, with its triage state. */
export interface PracticeConversationRecord {
  conversationId: string;
  practiceId: string;
  patientId: string;
  assigneeId: string | null;
  assignedAt: string | null;
  createdAt: string;
}

export interface SavedReplyRecord {
  id: string;
  practiceId: string;
  title: string;
  text: string;
  createdAt: string;
}

/** The reads the policy and the team inbox make. */
export interface PracticeReads {
  findPractice(id: string): Promise<PracticeRecord | undefined>;
  listPractices(): Promise<PracticeRecord[]>;
  listMembers(practiceIds: readonly string[]): Promise<PracticeMemberRecord[]>;
  /** The practices a user is a member of. */
  listMembershipsOf(userId: string): Promise<PracticeMemberRecord[]>;
  findPracticeConversation(conversationId: string): Promise<PracticeConversationRecord | undefined>;
  /** The practice conversations among these conversations. */
  listPracticeConversationsIn(conversationIds: readonly string[]): Promise<PracticeConversationRecord[]>;
  findPracticeConversationOf(
    practiceId: string,
    patientId: string,
  ): Promise<PracticeConversationRecord | undefined>;
  listPracticeConversations(practiceId: string): Promise<PracticeConversationRecord[]>;
  listSavedReplies(practiceId: string): Promise<SavedReplyRecord[]>;
  findSavedReply(id: string): Promise<SavedReplyRecord | undefined>;
}

/** Writes; the whole store is offered inside an action's transaction (StoreTransaction.practices). */
export interface PracticeWrites {
  insertPractice(practice: PracticeRecord): Promise<void>;
  updatePractice(id: string, fields: { name?: string; awayNotice?: string | null }): Promise<void>;
  /** Adds a member or changes their role. */
  putMember(member: PracticeMemberRecord): Promise<void>;
  /** Returns whether there was such a member. */
  deleteMember(practiceId: string, userId: string): Promise<boolean>;
  /** A second conversation for the same practice and patient throws StoreConflictError. */
  insertPracticeConversation(record: PracticeConversationRecord): Promise<void>;
  setAssignee(conversationId: string, assigneeId: string | null, at: string | null): Promise<void>;
  /** Unassigns every conversation of the practice assigned to this user (they left the team). */
  unassignMember(practiceId: string, userId: string): Promise<void>;
  insertSavedReply(reply: SavedReplyRecord): Promise<void>;
  deleteSavedReply(id: string): Promise<boolean>;
}

export interface PracticeStore extends PracticeReads, PracticeWrites {}
