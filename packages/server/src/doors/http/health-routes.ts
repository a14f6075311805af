import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/index.js';

/** /healthz: the process is alive. /readyz: it can reach its store and bus, so it can take traffic. */
export function registerHealthRoutes(app: FastifyInstance, core: Core, isShuttingDown: () => boolean): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks = { store: await probe(() => core.store.ping()), bus: await probe(() => core.bus.ping()) };
    const ready = checks.store && checks.bus && !isShuttingDown();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });
}

async function probe(check: () => Promise<void>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch {
    return false;
  }
}
