import type { Door, Role } from '@carechat/protocol';

/** Who is acting: established by a door from a verified token or session, never from the request body. */
export interface Actor {
  userId: string;
  role: Role;
  sessionId: string;
  /** The door the request came through (audit trail). */
  door?: Door | undefined;
  /** The client's address as the door saw it (audit trail, per-address limits). */
  address?: string | undefined;
}

/** Where a request came from, before (or without) an authenticated user. */
export interface RequestContext {
  door: Door;
  address?: string | undefined;
}
