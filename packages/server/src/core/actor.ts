import type { Role } from '@carechat/protocol';

/** Who is acting: established by a door from a verified token or session, never from the request body. */
export interface Actor {
  userId: string;
  role: Role;
  sessionId: string;
}
