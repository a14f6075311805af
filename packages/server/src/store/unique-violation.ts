/** Whether a driver error is a broken uniqueness rule: the one place that knows both dialects' codes. */
export function isUniqueViolation(dialect: 'sqlite' | 'postgres', error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return dialect === 'postgres'
    ? code === '23505'
    : code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
