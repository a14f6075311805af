import type { IncomingMessage } from 'node:http';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

export interface HardeningOptions {
  /** CORS_ORIGINS: the other origins whose pages may call the API (with credentials). */
  corsOrigins: readonly string[];
  /** HTTPS deployments: HSTS, and upgrade-insecure-requests in the CSP. */
  secure: boolean;
  /** FRAME_ANCESTORS: host origins whose pages may frame the app; empty, nobody may. */
  frameAncestors?: readonly string[];
}

/** A host header as CSP can carry it (no spaces, quotes or semicolons), else none. */
const HOST = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/;

/** This server's own socket origins, from the Host the page was loaded from. */
function socketOrigins(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  return HOST.test(host) ? `ws://${host} wss://${host}` : '';
}

/**
 * Security headers on every answer (CSP, no framing unless FRAME_ANCESTORS allows it, no sniffing, no referrer, HSTS behind HTTPS)
 * and CORS for the configured origins only. Same-origin requests need no CORS at all.
 */
export async function registerHardening(app: FastifyInstance, o: HardeningOptions): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // React sets style attributes; no inline scripts are ever allowed.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        // 'self' covers the same origin's ws:/wss: in current browsers; older ones need the
        // socket origin by name. Never every ws:/wss: host: a page could then leak anywhere.
        connectSrc: ["'self'", socketOrigins, ...o.corsOrigins],
        mediaSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: o.frameAncestors?.length ? [...o.frameAncestors] : ["'none'"],
        ...(o.secure ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // X-Frame-Options cannot name several origins: with a list, CSP frame-ancestors alone decides.
    frameguard: o.frameAncestors?.length ? false : { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: o.secure ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  const allowed = new Set(o.corsOrigins);
  await app.register(cors, {
    // Not in the list: no CORS headers, so the browser keeps the answer from the other page.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-csrf-token', 'last-event-id', 'x-request-id'],
    exposedHeaders: ['retry-after'],
    maxAge: 600,
  });
}
