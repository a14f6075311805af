import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * The path of a request as logged: no query string, and under the server API (whose paths carry
 * the host platform's external ids, often emails) every segment after the resource name redacted.
 */
export function loggedPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  const server = /^\/api\/server\/([a-z-]+)\/?/.exec(path);
  if (!server) return path;
  const rest = path.slice(server[0].length);
  // Known trailing words stay (tokens, schedule, sign-in-links); anything else may be an id.
  const segments =
    rest === '' ? [] : rest.split('/').map((s) => (/^(tokens|schedule|sign-in-links)$/.test(s) ? s : ':id'));
  return ['/api/server', server[1], ...segments].join('/');
}

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
          path: loggedPath(req.url ?? ''),
        }),
        res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
      },
    },
    destination,
  );
}
