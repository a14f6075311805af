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

/** A dependency that does not answer within this time counts as unreachable. */
const PROBE_TIMEOUT_MS = 2000;

async function probe(check: () => Promise<void>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('probe timed out')), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
