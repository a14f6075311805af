import type { Conversation, Role } from '@carechat/protocol';
import type { TypingPerson as Person } from '@carechat/react';

export interface TypingPerson extends Person {
  /** Their role, when the conversation is known: a colleague typing is "replying". */
  role?: Role;
}

/** Typing or viewing people with their roles, from the conversation's participants. */
export function withRoles(conversation: Conversation | undefined, people: Person[]): TypingPerson[] {
  const participants = conversation?.participants ?? [];
  return people.map(({ userId, name }) => {
    const role = participants.find((p) => p.user.id === userId)?.user.role;
    return role ? { userId, name, role } : { userId, name };
  });
}
