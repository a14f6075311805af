import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Paths that belong to the API and the socket doors: never answered with the web app. */
const NOT_THE_APP = /^\/(api|ws|socket\.io|healthz|readyz|metrics)(\/|$|\?)/;

/**
 * Files of the build that are never served by their own name: source maps (decision 1407: they
 * are not public, and a build left by an older version may still hold some) and the compressed
 * copies, which are served in place of their original to a client that accepts them.
 */
const NOT_SERVED = /\.(map|br|gz)$/;

/** Under /assets a missing file is a 404, not the app: a stale hashed name must not get HTML. */
const ASSETS = /^\/assets\//;

/**
 * Serves the built web app (apps/web/dist) at `/`, when it has been built. Its own routes
 * (`/chat/cnv_…`, `/login`) are the browser's: any other GET that is not an API or socket path
 * gets index.html, so a reload or a shared link opens the right screen. Returns whether it is served.
 *
 * The build writes a brotli and a gzip copy beside each text file (vite.config.ts); a client that
 * accepts one gets it with `Content-Encoding`, and every answer says `Vary: Accept-Encoding` so
 * that caches keep the encodings apart.
 */
export async function registerWebApp(app: FastifyInstance, distDir: string): Promise<boolean> {
  if (!existsSync(join(distDir, 'index.html'))) return false;
  await app.register(async (scope) => {
    // After the other layers (CORS adds `Origin`): appended, so neither replaces the other.
    scope.addHook('onSend', async (_request, reply, payload) => {
      const vary = reply.getHeader('vary');
      const text = Array.isArray(vary) ? vary.join(', ') : vary === undefined ? '' : String(vary);
      if (!/accept-encoding/i.test(text))
        reply.header('vary', text ? `${text}, Accept-Encoding` : 'Accept-Encoding');
      return payload;
    });
    await scope.register(fastifyStatic, {
      root: distDir,
      // One route per file found now (the build is done before the server starts).
      wildcard: false,
      preCompressed: true,
      allowedPath: (pathName) => !NOT_SERVED.test(pathName),
      // The headers below decide caching, not the plugin's default max-age=0.
      cacheControl: false,
      setHeaders(res, path) {
        // Vite names assets by content hash: they never change. index.html must always be fresh.
        if (path.includes(`${join(distDir, 'assets')}`)) {
          res.setHeader('cache-control', 'public, max-age=31536000, immutable');
        } else {
          res.setHeader('cache-control', 'no-cache');
        }
      },
    });
    scope.get('/*', (request, reply) => {
      if (NOT_THE_APP.test(request.url) || ASSETS.test(request.url) || NOT_SERVED.test(request.url))
        return reply.callNotFound();
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
  });
  return true;
}
