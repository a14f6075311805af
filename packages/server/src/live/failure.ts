import type { ErrorCode } from '@carechat/protocol';
import { isCoreError } from '../core/errors.js';

export interface FailureLog {
  error(details: object, message: string): void;
}

/**
 * What a client is told about a failure: a refusal's own code and message, or `internal` for
 * anything unexpected — which is logged by kind only, since its message may echo request content.
 */
export function describeFailure(
  error: unknown,
  log: FailureLog,
  what: string,
): { code: ErrorCode; message: string; retryAfter?: number } {
  if (isCoreError(error)) {
    return {
      code: error.code,
      message: error.message,
      ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }),
    };
  }
  const kind = error instanceof Error ? error.name : typeof error;
  log.error(
    { err: { type: kind, stack: error instanceof Error ? error.stack : undefined } },
    `${what} failed`,
  );
  return { code: 'internal', message: 'Something went wrong on the server.' };
}
