/**
 * The one catalogue of error codes. A code is stable: once shipped it keeps its meaning, and a
 * retired code is never reused. Each code carries the HTTP status it maps to and a default message.
 * Codes are grouped by what the client should do next.
 */
export const ERRORS = {
  // Fix the request: retrying the same request will fail the same way.
  invalid_request: { status: 400, message: 'The request is malformed or has invalid fields.' },
  message_too_large: { status: 413, message: 'The message is larger than the server allows.' },
  conflict: {
    status: 409,
    message: 'The request conflicts with the current state (for example a reused client_msg_id).',
  },
  not_found: { status: 404, message: 'Not found.' },

  // Authenticate (again).
  invalid_credentials: { status: 401, message: 'The email or password is wrong.' },
  unauthenticated: { status: 401, message: 'Sign in first: the token is missing, invalid or expired.' },

  // Not allowed: show the user why; retrying will not help until the relationship changes.
  forbidden: { status: 403, message: 'You are not allowed to do this.' },
  not_participant: { status: 403, message: 'You are not a participant of this conversation.' },
  no_care_relationship: {
    status: 403,
    message: 'There is no care relationship between these people.',
  },
  appointment_not_accepted: { status: 403, message: 'The appointment has not been accepted.' },
  consultation_inactive: { status: 403, message: 'The consultation is not active.' },
  consultation_expired: { status: 403, message: 'The consultation has expired.' },
  outside_schedule: {
    status: 403,
    message: "The practitioner's schedule does not cover this time.",
  },
  blocked: { status: 403, message: 'The patient has blocked this practitioner.' },

  // Wait, then retry.
  rate_limited: { status: 429, message: 'Too many requests; slow down and retry later.' },
  unavailable: { status: 503, message: 'The service is not ready; retry shortly.' },

  // The server failed; the request may be retried.
  internal: { status: 500, message: 'Something went wrong on the server.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

/** The body of every HTTP error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; retry_after?: number };
}

/**
 * WebSocket close codes. 4xxx mirror the HTTP statuses; 1008/1009/1012 are the standard ones for
 * policy, size and restart.
 */
export const CLOSE_CODES = {
  unauthenticated: 4401,
  forbidden: 4403,
  notFound: 4404,
  /** Too many connections for this user or address: wait `retry_after` (the close reason) and retry. */
  rateLimited: 4429,
  tooBig: 1009,
  policyViolation: 1008,
  serviceRestart: 1012,
  normal: 1000,
  goingAway: 1001,
} as const;
