import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP load balancer for tests: each new connection goes to the next backend in turn, skipping
 * one that refuses it (a dead node), like nginx's upstream with `proxy_next_upstream`. Open
 * connections stay where they are; when their backend dies they break and the client reconnects.
 */
export class Balancer {
  #next = 0;
  readonly #open = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly ports: readonly number[],
  ) {}

  static async start(ports: readonly number[]): Promise<Balancer> {
    const server = createServer();
    const balancer = new Balancer(server, ports);
    server.on('connection', (client) => balancer.#accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return balancer;
  }

  get url(): string {
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#open) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #accept(client: Socket, tried = 0): void {
    client.pause();
    const port = this.ports[this.#next++ % this.ports.length]!;
    const upstream = connect(port, '127.0.0.1');
    let linked = false;
    upstream.once('connect', () => {
      linked = true;
      this.#open.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (!linked && tried + 1 < this.ports.length) return this.#accept(client, tried + 1);
      client.destroy();
    });
    const drop = () => {
      this.#open.delete(client);
      this.#open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    upstream.once('close', () => linked && drop());
    client.once('close', drop);
    client.on('error', drop);
  }
}
