import { ERRORS, type ErrorCode } from '@carechat/protocol';

/** A refusal the client should see, with a stable code from the protocol's catalogue. */
export class CoreError extends Error {
  override name = 'CoreError';
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds the client should wait before retrying (rate limits). */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message?: string, options?: { retryAfter?: number }) {
    super(message ?? ERRORS[code].message);
    this.code = code;
    this.status = ERRORS[code].status;
    this.retryAfter = options?.retryAfter;
  }
}

export function isCoreError(error: unknown): error is CoreError {
  return error instanceof CoreError;
}
