import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Structured logs without patient data. Requests are logged by method, path (no query string: it
 * can carry tokens and search terms) and status; bodies, credentials and cookies never are.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'carechat' },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { method?: string; url?: string; id?: string }) => ({
          id: req.id,
          method: req.method,
          path: (req.url ?? '').split('?')[0],
        }),
        res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
      },
    },
    destination,
  );
}
