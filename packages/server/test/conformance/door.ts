import type { Message } from '@carechat/protocol';
import type { TestUser } from '../helpers/http.js';

/**
 * What the conformance table asks of a door. A door is added to the table by writing one driver
 * (this interface, over the door's real wire) and adding it to DOORS; the behaviours are written
 * once, in doors.test.ts.
 */

/** A door's answer to an action: what it stored or changed, or the error code it refused with. */
export type Outcome<T = unknown> = { ok: true; value: T } | { ok: false; code: string };

/**
 * Server events as every door reports them, named as on /ws: `message` is a message arriving (a
 * /ws `chat_message` or `message_sent`, a Socket.IO `new_message`); the others keep their /ws name
 * and snake_case fields.
 */
export interface LiveEvent {
  type:
    | 'message'
    | 'message_edited'
    | 'message_deleted'
    | 'typing_indicator'
    | 'read_receipt'
    | 'reaction_added';
  [field: string]: unknown;
}

/** The behaviours a door may lack; the table names, per door, why one is "not offered". */
export type Capability =
  | 'live'
  | 'resume'
  | 'edit'
  | 'delete'
  | 'react'
  | 'typing'
  | 'read'
  | 'start'
  | 'malformed'
  | 'oversize';

/** One device of one user, connected through the door. */
export interface DoorSession {
  /** Sends a chat message into a conversation (`clientMsgId` makes a retry recognisable). */
  send(conversationId: string, content: string, clientMsgId?: string): Promise<Outcome<Message>>;
  edit?(conversationId: string, messageId: string, content: string): Promise<Outcome>;
  delete?(conversationId: string, messageId: string): Promise<Outcome>;
  react?(conversationId: string, messageId: string, emoji: string): Promise<Outcome>;
  typing?(conversationId: string, isTyping: boolean): Promise<Outcome>;
  read?(conversationId: string, seq: number): Promise<Outcome>;
  /** Starts (finds or creates) a conversation with these people. */
  start?(participantIds: string[]): Promise<Outcome<{ id: string }>>;
  /** Sends something that is not a valid frame of this door; resolves with the refusal code. */
  malformed?(): Promise<Outcome>;
  /** Sends a frame larger than the door takes; resolves with how the door refused it. */
  oversize?(): Promise<string>;
  /** The next live event of this type (not returned before) that matches. */
  next?(
    type: LiveEvent['type'],
    match?: (event: LiveEvent) => boolean,
    timeoutMs?: number,
  ): Promise<LiveEvent>;
  /**
   * Resolves once the device is listening, so an event that happens now reaches it (a long-poll
   * client between two polls is not: see the long-poll driver).
   */
  listening?(): Promise<void>;
  /** Whether the door still answers on this session (after a refusal). */
  alive(): Promise<boolean>;
  close(): Promise<void>;
}

export interface DoorDriver {
  readonly name: string;
  /**
   * Behaviours this door's wire format genuinely lacks, each with the reason. The table checks
   * every entry: the driver must then offer no way to do it, so a door that gains the behaviour
   * fails until its entry is removed and the behaviour runs.
   */
  readonly notOffered: Partial<Record<Capability, string>>;
  /** The door's documented answer to an oversize frame (what `oversize()` resolves with). */
  readonly oversizeRefusal?: string;
  /**
   * A device of `user`. `conversationId` is the conversation the test is about (doors that serve
   * one conversation per connection connect to it); refused connections give the refusal code.
   */
  connect(user: TestUser, conversationId: string): Promise<Outcome<DoorSession>>;
  /**
   * A device that held every message of `conversationId` up to `afterSeq`, comes back: the
   * messages the door replays (in the order it gives them), and the session, live again.
   */
  resume?(
    user: TestUser,
    conversationId: string,
    afterSeq: number,
  ): Promise<{ replayed: Message[]; session: DoorSession }>;
}

/** The context every driver needs: where the server is, and what a consultation is called. */
export interface DoorTarget {
  url: string;
  wsUrl: string;
  /** The consultation a conversation was opened for, if any (doors that speak in consultations). */
  consultationOf(conversationId: string): string | undefined;
}

/** A large frame: above MAX_FRAME_BYTES and the HTTP body limit alike. */
export const OVERSIZE_BYTES = 200 * 1024;

/** Content over MAX_MESSAGE_BYTES, in a frame every door accepts. */
export const TOO_LONG_CONTENT = 'x'.repeat(9000);
