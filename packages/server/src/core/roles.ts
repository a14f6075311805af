import { ROLES, type Role } from '@carechat/protocol';

export type { Role };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
