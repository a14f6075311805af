import type { IncomingMessage } from 'node:http';
import proxyaddr from '@fastify/proxy-addr';

/** How the doors outside Fastify's request (upgrades) find the client's address. */
export type AddressOf = (request: IncomingMessage) => string | undefined;

/**
 * The client's address under the same TRUST_PROXY rule Fastify applies to HTTP requests: an
 * X-Forwarded-For entry counts only when it was added by a trusted proxy.
 */
export function addressResolver(trustProxy: boolean | number | string): AddressOf {
  if (trustProxy === false) return (request) => request.socket.remoteAddress;
  const trust =
    trustProxy === true
      ? () => true
      : typeof trustProxy === 'number'
        ? (_address: string, hop: number) => hop < trustProxy
        : proxyaddr.compile(trustProxy.split(',').map((s) => s.trim()));
  return (request) => {
    try {
      return proxyaddr(request, trust);
    } catch {
      return request.socket.remoteAddress;
    }
  };
}
