/**
 * What the server's error codes mean to a person. The policy's refusals in particular are told
 * in plain words: the person needs to know what happened and what they can still do.
 */
const PLAIN: Record<string, string> = {
  consultation_expired: 'This consultation has ended; you can read it but not reply.',
  consultation_inactive: 'This consultation is no longer active; you can read it but not reply.',
  appointment_not_accepted:
    'Messaging opens once the appointment is accepted. This one is not (or no longer) accepted.',
  no_care_relationship: 'You can message each other once you have an accepted appointment together.',
  blocked: 'Messaging is blocked between this patient and practitioner; you can read it but not reply.',
  outside_schedule:
    'Your practitioner is outside their working hours right now. Please write again during their schedule.',
  not_participant: 'This conversation does not exist, or you do not have access to it.',
  message_too_large: 'This message is too long. Please shorten it and send it again.',
  rate_limited: 'You are sending very quickly. Please wait a moment and try again.',
  forbidden: 'You are not allowed to do that.',
  not_found: 'That could not be found. It may have been removed.',
  conflict: 'That changed in the meantime. Please try again.',
  invalid_credentials: 'That email and password do not match an account.',
  unauthenticated: 'Your session has ended. Please sign in again.',
  invalid_request: 'That was not accepted. Please check what you entered.',
  unavailable: 'carechat is busy starting up. Please try again in a moment.',
  internal: 'Something went wrong on our side. Please try again.',
  network: 'carechat cannot be reached. Check your connection and try again.',
  timeout: 'carechat took too long to answer. Please try again.',
  cancelled: 'Cancelled.',
};

export function inWords(code: string | undefined, fallback?: string): string {
  return (code && PLAIN[code]) || fallback || 'Something went wrong. Please try again.';
}

/** Any thrown value to a sentence (CarechatError carries a code). */
export function errorInWords(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return inWords(typeof code === 'string' ? code : undefined);
}
