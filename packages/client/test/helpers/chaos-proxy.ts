import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the server that a test uses as the network: it can cut every connection
 * (as a server or a load balancer would), or black-hole them (packets vanish; both ends believe
 * the connection is up: the half-open case only heartbeats detect).
 */
export class ChaosProxy {
  readonly #server: Server;
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>();
  #blackhole = false;
  #port = 0;
  /** Connections made through the proxy, in total. */
  connections = 0;

  private constructor(private targetPort: number) {
    this.#server = createServer((client) => this.accept(client));
  }

  static async start(targetPort: number, port = 0): Promise<ChaosProxy> {
    const proxy = new ChaosProxy(targetPort);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = proxy.#server.address();
    proxy.#port = typeof address === 'object' && address ? address.port : port;
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get openCount(): number {
    return this.#pairs.size;
  }

  /** Cuts every open connection at once (both sides see a reset). */
  cutAll(): number {
    const count = this.#pairs.size;
    for (const pair of [...this.#pairs]) this.drop(pair);
    return count;
  }

  /** Cuts one open connection chosen by `random`. */
  cutOne(random: () => number): boolean {
    const pairs = [...this.#pairs];
    const pair = pairs[Math.floor(random() * pairs.length)];
    if (!pair) return false;
    this.drop(pair);
    return true;
  }

  /**
   * While on, bytes in both directions are swallowed and new connections hang: the network is gone
   * but nobody is told. Turning it off cuts the stalled connections, as a real outage ends.
   */
  setBlackhole(on: boolean): void {
    this.#blackhole = on;
    if (!on) this.cutAll();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.connections += 1;
    client.setNoDelay(true);
    const upstream = createConnection({ port: this.targetPort, host: '127.0.0.1' });
    upstream.setNoDelay(true);
    const pair = { client, upstream };
    this.#pairs.add(pair);
    client.on('data', (chunk) => {
      if (!this.#blackhole) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!this.#blackhole) client.write(chunk);
    });
    const end = () => this.drop(pair);
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  }

  private drop(pair: { client: Socket; upstream: Socket }): void {
    if (!this.#pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream.destroy();
  }
}
