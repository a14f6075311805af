import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Paths that belong to the API and the socket doors: never answered with the web app. */
const NOT_THE_APP = /^\/(api|ws|socket\.io|healthz|readyz|metrics)(\/|$|\?)/;

/**
 * Serves the built web app (apps/web/dist) at `/`, when it has been built. Its own routes
 * (`/chat/cnv_…`, `/login`) are the browser's: any other GET that is not an API or socket path
 * gets index.html, so a reload or a shared link opens the right screen. Returns whether it is served.
 */
export async function registerWebApp(app: FastifyInstance, distDir: string): Promise<boolean> {
  if (!existsSync(join(distDir, 'index.html'))) return false;
  await app.register(fastifyStatic, {
    root: distDir,
    // One route per file found now (the build is done before the server starts).
    wildcard: false,
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
  app.get('/*', (request, reply) => {
    if (NOT_THE_APP.test(request.url)) return reply.callNotFound();
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
  return true;
}
