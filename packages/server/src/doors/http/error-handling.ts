import { ERRORS, type ErrorBody, type ErrorCode } from '@carechat/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { isCoreError } from '../../core/errors.js';

/** Maps every failure to `{error:{code,message}}` with a code from the protocol's catalogue. */
export function registerErrorHandling(
  app: FastifyInstance,
  /** Told the code of every error answer (metrics). */
  onError: (code: ErrorCode) => void = () => {},
): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isCoreError(error)) {
      onError(error.code);
      if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
      return reply.status(error.status).send(body(error.code, error.message, error.retryAfter));
    }
    const code = frameworkCode(error);
    onError(code ?? 'internal');
    if (code) return reply.status(ERRORS[code].status).send(body(code, ERRORS[code].message));
    // Unknown failures are logged by kind only: the error message may echo request content.
    request.log.error({ err: { type: error.name, code: error.code, stack: error.stack } }, 'request failed');
    return reply.status(500).send(body('internal', ERRORS.internal.message));
  });

  app.setNotFoundHandler((_request, reply) => {
    onError('not_found');
    return reply.status(404).send(body('not_found', 'No such route.'));
  });
}

/**
 * The catalogue's answer to a failure that is a refusal (a CoreError, or a framework error such
 * as a malformed body), for doors that say it in another shape (the seeds' profiles);
 * undefined for an unknown failure, which stays the global handler's (500, logged by kind).
 */
export function refusalOf(
  error: FastifyError,
): { status: number; code: ErrorCode; message: string; retryAfter?: number } | undefined {
  if (isCoreError(error)) {
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      ...(error.retryAfter === undefined ? {} : { retryAfter: error.retryAfter }),
    };
  }
  const code = frameworkCode(error);
  return code && { status: ERRORS[code].status, code, message: ERRORS[code].message };
}

function frameworkCode(error: FastifyError): ErrorCode | undefined {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'message_too_large';
  if (error.statusCode === 429) return 'rate_limited';
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
    return 'invalid_request';
  return undefined;
}

function body(code: ErrorCode, message: string, retryAfter?: number): ErrorBody {
  return { error: { code, message, ...(retryAfter === undefined ? {} : { retry_after: retryAfter }) } };
}
