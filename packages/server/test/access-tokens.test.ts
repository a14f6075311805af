import { createHmac } from 'node:crypto';
import { CompactSign, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AccessTokens } from '../src/core/tokens.js';

const SECRET = 'access-token-test-secret-0123456789abcdef';
const key = new TextEncoder().encode(SECRET);
const tokens = new AccessTokens(SECRET, 900);
const now = new Date('2026-03-01T12:00:00Z');
const nowSeconds = Math.floor(now.getTime() / 1000);
const claims = { userId: 'usr_1', role: 'patient' as const, sessionId: 'ses_1' };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS over any header and payload bytes, signed with the server's key (HS256). */
function signRaw(header: string, payload: string, secret = SECRET): string {
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

const goodPayload = {
  sub: claims.userId,
  role: claims.role,
  sid: claims.sessionId,
  iss: 'carechat',
  iat: nowSeconds,
  exp: nowSeconds + 900,
};

/** jose, which verified every token before: the reference the fast check is held to. */
async function reference(token: string) {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: 'carechat',
      currentDate: now,
    });
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return undefined;
    if (!['patient', 'practitioner', 'admin'].includes(payload.role as string)) return undefined;
    return { userId: payload.sub, role: payload.role, sessionId: payload.sid };
  } catch {
    return undefined;
  }
}

describe('AccessTokens.verify (core/tokens.ts)', () => {
  it('accepts its own tokens until they expire, with the claims they were signed with', async () => {
    const token = await tokens.sign(claims, now);
    expect(await tokens.verify(token, now)).toEqual(claims);
    expect(await tokens.verify(token, new Date(now.getTime() + 899_000))).toEqual(claims);
    // jose's rule: expired once exp <= now.
    expect(await tokens.verify(token, new Date(now.getTime() + 900_000))).toBeUndefined();
    expect(await reference(token)).toEqual(claims);
  });

  it('agrees with jose on tampered, malformed and foreign tokens', async () => {
    const token = await tokens.sign(claims, now);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = b64({ ...goodPayload, role: 'admin' });
    const hs512 = await new SignJWT({ role: 'patient', sid: 'ses_1' })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('usr_1')
      .setIssuer('carechat')
      .setExpirationTime(nowSeconds + 900)
      .sign(key);
    const otherKey = await new SignJWT({ role: 'patient', sid: 'ses_1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('usr_1')
      .setIssuer('carechat')
      .setExpirationTime(nowSeconds + 900)
      .sign(new TextEncoder().encode('another-secret-0123456789abcdefghijkl'));
    const unsecured = `${b64({ alg: 'none' })}.${payload}.`;
    const h = b64({ alg: 'HS256' });
    const cases: Record<string, string> = {
      'payload changed, signature kept': `${header}.${forged}.${signature}`,
      'signature altered': `${header}.${payload}.${signature.slice(0, -2)}xx`,
      'signature truncated': `${header}.${payload}.${signature.slice(0, -4)}`,
      'no signature': `${header}.${payload}.`,
      'alg none': unsecured,
      'alg HS512 under the same key': hs512,
      'another key': otherKey,
      'two parts': `${header}.${payload}`,
      'four parts': `${token}.${signature}`,
      'not base64url': signRaw(`${h}!`, payload),
      empty: '',
      garbage: 'garbage',
      'wrong issuer': signRaw(h, b64({ ...goodPayload, iss: 'someone' })),
      'no issuer': signRaw(h, b64({ ...goodPayload, iss: undefined })),
      expired: signRaw(h, b64({ ...goodPayload, exp: nowSeconds })),
      'exp not a number': signRaw(h, b64({ ...goodPayload, exp: String(nowSeconds + 900) })),
      'not yet valid': signRaw(h, b64({ ...goodPayload, nbf: nowSeconds + 60 })),
      'iat not a number': signRaw(h, b64({ ...goodPayload, iat: 'yesterday' })),
      'payload an array': signRaw(h, b64([goodPayload])),
      'payload not JSON': signRaw(h, Buffer.from('{"sub":').toString('base64url')),
      'payload not UTF-8': signRaw(
        h,
        Buffer.concat([Buffer.from('{"sub":"usr_1","x":"'), Buffer.from([0xff]), Buffer.from('"}')]).toString(
          'base64url',
        ),
      ),
      'header an array': signRaw(b64([{ alg: 'HS256' }]), b64(goodPayload)),
      'unknown critical header': signRaw(b64({ alg: 'HS256', crit: ['exp'], exp: 1 }), b64(goodPayload)),
      'unencoded payload': signRaw(b64({ alg: 'HS256', b64: false, crit: ['b64'] }), b64(goodPayload)),
      'unknown role': signRaw(h, b64({ ...goodPayload, role: 'root' })),
      'no session': signRaw(h, b64({ ...goodPayload, sid: undefined })),
      'subject not a string': signRaw(h, b64({ ...goodPayload, sub: 7 })),
    };
    for (const [name, candidate] of Object.entries(cases)) {
      expect({ name, claims: await tokens.verify(candidate, now) }).toEqual({ name, claims: undefined });
      expect({ name, claims: await reference(candidate) }).toEqual({ name, claims: undefined });
    }
  });

  it('refuses a signature in anything but its canonical encoding, which jose lets through', async () => {
    const token = await tokens.sign(claims, now);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    // The last character of a 32-byte base64url signature carries two unused bits.
    const last = signature.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
    for (const variant of [`${signature}=`, `${signature.slice(0, -1)}${sibling}`]) {
      const candidate = `${header}.${payload}.${variant}`;
      expect(Buffer.from(variant, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
      expect(await tokens.verify(candidate, now)).toBeUndefined();
    }
  });

  it('accepts what jose accepts among well-formed tokens from other signers of the same key', async () => {
    const h = b64({ alg: 'HS256', typ: 'JWT' });
    const accepted: Record<string, string> = {
      'typ header': signRaw(h, b64(goodPayload)),
      'no iat': signRaw(h, b64({ ...goodPayload, iat: undefined })),
      'no exp': signRaw(h, b64({ ...goodPayload, exp: undefined })),
      'nbf now': signRaw(h, b64({ ...goodPayload, nbf: nowSeconds })),
      'extra claims': signRaw(h, b64({ ...goodPayload, jti: 'x', aud: 'anyone' })),
      'jose CompactSign': await new CompactSign(new TextEncoder().encode(JSON.stringify(goodPayload)))
        .setProtectedHeader({ alg: 'HS256' })
        .sign(key),
    };
    for (const [name, candidate] of Object.entries(accepted)) {
      expect({ name, claims: await reference(candidate) }).toEqual({ name, claims });
      expect({ name, claims: await tokens.verify(candidate, now) }).toEqual({ name, claims });
    }
  });
});
