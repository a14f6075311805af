import { createHash, createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { SignJWT } from 'jose';
import { isRole, type Role } from './roles.js';

export interface AccessClaims {
  userId: string;
  role: Role;
  sessionId: string;
}

/** A compact JWS segment: base64url without padding, nothing else. */
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const ISSUER = 'carechat';
/** Like jose: a segment that is not valid UTF-8 is refused rather than read with replacements. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Short-lived access tokens (JWT, HS256). Refresh happens through the session (core/auth.ts). */
export class AccessTokens {
  readonly #key: Uint8Array;
  readonly #hmacKey: KeyObject;

  constructor(
    secret: string,
    readonly ttlSeconds: number,
  ) {
    this.#key = new TextEncoder().encode(secret);
    this.#hmacKey = createSecretKey(this.#key);
  }

  async sign(claims: AccessClaims, now: Date): Promise<string> {
    const iat = Math.floor(now.getTime() / 1000);
    return new SignJWT({ role: claims.role, sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .setIssuer(ISSUER)
      .sign(this.#key);
  }

  /**
   * Undefined for a tampered, malformed or expired token. Verified with node:crypto's HMAC, in a
   * few microseconds: jose's WebCrypto path cost ~140 µs per token, which a node restarting under
   * 10,000 reconnecting sockets paid 10,000 times (decision 1704). It accepts nothing that
   * jose's jwtVerify(token, key, { algorithms: ['HS256'], issuer }) refuses (it is stricter on
   * headers no token of ours carries: crit, b64); the tests hold it to jose as the reference.
   */
  async verify(token: string, now: Date): Promise<AccessClaims | undefined> {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [header, payload, signature] = parts as [string, string, string];
    if (!SEGMENT.test(header) || !SEGMENT.test(payload) || !SEGMENT.test(signature)) return undefined;
    const expected = createHmac('sha256', this.#hmacKey).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    // The signature's own encoding, exactly: no trailing bits that decode to the same bytes.
    if (given.length !== expected.length || given.toString('base64url') !== signature) return undefined;
    if (!timingSafeEqual(given, expected)) return undefined;
    const head = parseObject(header);
    // HS256 only, no critical extensions, payload base64url-encoded (RFC 7515 §4.1.11, RFC 7797).
    if (head?.alg !== 'HS256' || Object.hasOwn(head, 'crit') || Object.hasOwn(head, 'b64')) return undefined;
    const claims = parseObject(payload);
    if (!claims || claims.iss !== ISSUER) return undefined;
    const seconds = Math.floor(now.getTime() / 1000);
    for (const name of ['iat', 'nbf', 'exp'] as const) {
      if (Object.hasOwn(claims, name) && typeof claims[name] !== 'number') return undefined;
    }
    if (typeof claims.nbf === 'number' && claims.nbf > seconds) return undefined;
    if (typeof claims.exp === 'number' && claims.exp <= seconds) return undefined;
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || !isRole(claims.role)) {
      return undefined;
    }
    return { userId: claims.sub, role: claims.role, sessionId: claims.sid };
  }
}

/** A base64url segment holding a JSON object, or undefined. */
function parseObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(UTF8.decode(Buffer.from(segment, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Session and refresh tokens are stored only as their sha256. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
