import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import { Agent, createServer, type Server } from 'node:https';
import { importJWK, jwtVerify } from 'jose';
import { selfSignedCertificate, type TestCertificate } from './test-certificate.js';

/**
 * A local push service that speaks the Web Push protocol as a browser's push service does: it
 * takes HTTPS POSTs to subscription endpoints, checks the VAPID authorization (RFC 8292), and
 * decrypts the aes128gcm payload (RFC 8188, RFC 8291) with the subscription's private key, so a
 * test sees exactly what the service worker would.
 */
export interface ReceivedPush {
  subscription: string;
  /** The decrypted payload, as the service worker's `event.data.text()`. */
  text: string;
  /** The encrypted body as it crossed the wire. */
  raw: Buffer;
  topic: string | undefined;
  urgency: string | undefined;
  ttl: string | undefined;
}

export interface TestSubscription {
  name: string;
  /** What PushSubscription.toJSON() gives a browser's app. */
  json: { endpoint: string; keys: { p256dh: string; auth: string } };
  /** Answer 410 Gone from now on (the browser unsubscribed). */
  gone: boolean;
}

export interface PushEndpoint {
  url: string;
  /** Trusts the endpoint's self-signed certificate (pass as the app's push agent). */
  agent: Agent;
  /** Its certificate, as a PEM file (NODE_EXTRA_CA_CERTS for spawned nodes). */
  caFile: string;
  received: ReceivedPush[];
  /** Requests that could not be verified or decrypted: always empty in a good run. */
  rejected: string[];
  subscribe(name: string): TestSubscription;
  close(): Promise<void>;
}

export async function startPushEndpoint(
  vapidPublicKey: string,
  { cert, key, caFile }: TestCertificate = selfSignedCertificate(),
): Promise<PushEndpoint> {
  const subscriptions = new Map<
    string,
    { sub: TestSubscription; ecdh: ReturnType<typeof createECDH>; auth: Buffer }
  >();
  const received: ReceivedPush[] = [];
  const rejected: string[] = [];
  let base = '';
  const server: Server = createServer({ cert, key }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      void (async () => {
        const name = decodeURIComponent((request.url ?? '').replace(/^\/push\//, ''));
        const entry = subscriptions.get(name);
        if (request.method !== 'POST' || !entry) return answer(404);
        if (entry.sub.gone) return answer(410);
        try {
          await checkVapid(String(request.headers.authorization ?? ''), vapidPublicKey, base);
          if (request.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
          const raw = Buffer.concat(chunks);
          received.push({
            subscription: name,
            text: decrypt(raw, entry.ecdh, entry.auth).toString('utf8'),
            raw,
            topic: header(request.headers.topic),
            urgency: header(request.headers.urgency),
            ttl: header(request.headers.ttl),
          });
          response.setHeader('location', `${base}/message/${received.length}`);
          answer(201);
        } catch (error) {
          rejected.push(`${name}: ${(error as Error).message}`);
          answer(400);
        }
      })();
    });
    function answer(status: number): void {
      response.statusCode = status;
      response.end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  base = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url: base,
    agent: new Agent({ ca: cert }),
    caFile,
    received,
    rejected,
    subscribe(name) {
      // A browser makes a P-256 key pair and a 16-byte auth secret per subscription.
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const sub: TestSubscription = {
        name,
        json: {
          endpoint: `${base}/push/${encodeURIComponent(name)}`,
          keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
        },
        gone: false,
      };
      subscriptions.set(name, { sub, ecdh, auth });
      return sub;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** RFC 8292: `vapid t=<JWT signed by the application server>, k=<its public key>`. */
async function checkVapid(authorization: string, expectedKey: string, audience: string): Promise<void> {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization);
  if (!match) throw new Error('no VAPID authorization');
  if (match[2] !== expectedKey) throw new Error('VAPID key is not the configured one');
  const point = Buffer.from(expectedKey, 'base64url');
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33, 65).toString('base64url'),
  };
  const { payload } = await jwtVerify(match[1]!, await importJWK(jwk, 'ES256'));
  if (payload.aud !== audience) throw new Error(`VAPID audience ${String(payload.aud)} is not ${audience}`);
}

/** RFC 8291 §3.4 key derivation, then RFC 8188 aes128gcm records (one record, as web push uses). */
function decrypt(body: Buffer, ecdh: ReturnType<typeof createECDH>, authSecret: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body.readUInt8(20);
  const serverPublic = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  if (ciphertext.length > recordSize) throw new Error('more than one record');
  const shared = ecdh.computeSecret(serverPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), serverPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
    decipher.final(),
  ]);
  // The last record ends with the delimiter 0x02 followed by zero or more padding zeros.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end);
}
