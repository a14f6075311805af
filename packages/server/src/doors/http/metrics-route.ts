import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CoreError } from '../../core/errors.js';
import type { Metrics } from '../../metrics.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * /metrics in the Prometheus text format, for `Authorization: Bearer <METRICS_KEY>` only (and not
 * registered at all without a key): connection counts and error codes are nobody else's business.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, metricsKey: string): void {
  const expected = digest(metricsKey);
  app.get('/metrics', async (request, reply) => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization?.trim() ?? '');
    // Digests compared in constant time: the key is never matched byte by byte.
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      throw new CoreError('unauthenticated', '/metrics needs the metrics key.');
    }
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
