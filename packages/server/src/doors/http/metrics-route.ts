import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics.js';

/** /metrics in the Prometheus text format. Keep it off the public listener (docs/operations.md). */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
