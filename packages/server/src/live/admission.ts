import { CLOSE_CODES, type Door, type ErrorCode } from '@carechat/protocol';
import { accessConversation } from '../core/access.js';
import type { Actor } from '../core/actor.js';
import { isCoreError } from '../core/errors.js';
import type { Core } from '../core/index.js';
import { authenticate, type Credentials } from './credentials.js';
import type { FailureLog } from './failure.js';
import { originAllowed } from './origin.js';

/** What a live connection offers when it asks in. */
export interface AdmissionRequest {
  door: Door;
  credentials: Credentials;
  /** The client's address (TRUST_PROXY applied): per-address limits and the audit trail. */
  address: string | undefined;
  /** A browser's Origin and the Host it asked: checked for sockets (cross-site WebSocket hijacking). */
  origin?: { origin: string | undefined; host: string | undefined; allowed: readonly string[] } | undefined;
  /** A per-conversation socket (/ws/chat/:id): the actor must be one of its participants. */
  conversationId?: string | undefined;
}

/**
 * Why a connection is not let in, once for every door: the HTTP status a refused handshake
 * answers, the error code, and the close code a socket that was already upgraded closes with.
 */
export interface Refusal {
  status: number;
  code: ErrorCode;
  /** What an HTTP answer's error body says. */
  message: string;
  closeCode: number;
  /** The close reason a socket carries (short, no user data). */
  reason: string;
  retryAfter?: number;
  /**
   * Refused before anyone is identified (shutdown, origin, route): a socket door answers the
   * handshake with the HTTP status. Others are told after the upgrade, by close code, which
   * browsers let the page read.
   */
  beforeUpgrade?: boolean;
}

export type Admission =
  | { admitted: true; actor: Actor; release: () => void }
  | { admitted: false; refusal: Refusal };

export const REFUSALS = {
  unavailable: {
    status: 503,
    code: 'unavailable',
    message: 'The server is shutting down; reconnect.',
    closeCode: CLOSE_CODES.goingAway,
    reason: 'unavailable',
    beforeUpgrade: true,
  },
  forbiddenOrigin: {
    status: 403,
    code: 'forbidden',
    message: 'This origin may not open connections here.',
    closeCode: CLOSE_CODES.forbidden,
    reason: 'forbidden',
    beforeUpgrade: true,
  },
  notFound: {
    status: 404,
    code: 'not_found',
    message: 'No such route.',
    closeCode: CLOSE_CODES.notFound,
    reason: 'not_found',
    beforeUpgrade: true,
  },
  unauthenticated: {
    status: 401,
    code: 'unauthenticated',
    message: 'Sign in first.',
    closeCode: CLOSE_CODES.unauthenticated,
    reason: 'unauthenticated',
  },
  internal: {
    status: 500,
    code: 'internal',
    message: 'Something went wrong on the server.',
    closeCode: 1011,
    reason: 'internal error',
  },
} as const satisfies Record<string, Refusal>;

/** Seconds a client refused for too many connections waits before trying again. */
const CONNECTION_LIMIT_RETRY_SECONDS = 5;

/**
 * Admission of every live connection (sockets, Socket.IO, event streams, polls): the origin,
 * who it is, access to the one conversation it is about, and the per-user and per-address
 * connection limits. The caller calls `release` when the connection ends.
 */
export async function admit(
  core: Pick<Core, 'auth' | 'store' | 'connections'>,
  request: AdmissionRequest,
  log: FailureLog,
): Promise<Admission> {
  const refuse = (refusal: Refusal): Admission => ({ admitted: false, refusal });
  const originRefused = request.origin && refuseOrigin(request.origin);
  if (originRefused) return refuse(originRefused);
  let actor: Actor;
  try {
    actor = await authenticate(core, request.credentials, { door: request.door, address: request.address });
  } catch (error) {
    if (isCoreError(error)) return refuse({ ...REFUSALS.unauthenticated, message: error.message });
    log.error({ err: { type: (error as Error).name } }, 'live authentication failed');
    return refuse(REFUSALS.internal);
  }
  if (request.conversationId !== undefined) {
    try {
      await accessConversation(core.store, actor, request.conversationId);
    } catch (error) {
      if (!isCoreError(error)) return refuse(REFUSALS.internal);
      return refuse({
        status: 403,
        code: error.code,
        message: error.message,
        closeCode: CLOSE_CODES.forbidden,
        reason: error.code,
      });
    }
  }
  try {
    return { admitted: true, actor, release: core.connections.acquire(actor.userId, request.address) };
  } catch (error) {
    return refuse({
      status: 429,
      code: 'rate_limited',
      message: isCoreError(error) ? error.message : 'Too many open connections.',
      closeCode: CLOSE_CODES.rateLimited,
      reason: 'rate_limited',
      retryAfter: CONNECTION_LIMIT_RETRY_SECONDS,
    });
  }
}

/**
 * The origin rule alone, for transports that check it before anything else is known (Socket.IO's
 * engine checks every request, polling ones included): undefined when the origin may connect.
 */
export function refuseOrigin(origin: NonNullable<AdmissionRequest['origin']>): Refusal | undefined {
  return originAllowed(origin.origin, origin.host, origin.allowed) ? undefined : REFUSALS.forbiddenOrigin;
}
