import { createServer, type Server, Socket } from 'node:net';

/**
 * A TCP link between a client and the server that a test can cut, like a network that drops:
 * `stall` keeps the connections open but lets nothing through (what the server writes is lost on
 * the way, and so are the client's pongs), `cut` then ends them.
 */
export class TcpLink {
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>();
  #stalled = false;
  /** Where new connections go (another node, after `retarget`). */
  targetPort = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async open(targetPort: number): Promise<TcpLink> {
    let link: TcpLink | undefined;
    const server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(link?.targetPort ?? targetPort, '127.0.0.1');
      const pair = { client, upstream };
      link?.track(pair);
      client.on('data', (chunk) => {
        if (!link?.stalled) upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        if (!link?.stalled) client.write(chunk);
      });
      const end = () => {
        client.destroy();
        upstream.destroy();
        link?.untrack(pair);
      };
      client.on('close', end);
      upstream.on('close', end);
      client.on('error', end);
      upstream.on('error', end);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    link = new TcpLink(server, typeof address === 'object' && address ? address.port : 0);
    link.targetPort = targetPort;
    return link;
  }

  get stalled(): boolean {
    return this.#stalled;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** New connections go to this port from now on (as a load balancer sends them to another node). */
  retarget(port: number): void {
    this.targetPort = port;
  }

  /** Nothing passes either way from now on (the connections stay open). */
  stall(): void {
    this.#stalled = true;
  }

  /** Ends every connection and lets new ones through again. */
  cut(): void {
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.#pairs.clear();
    this.#stalled = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private track(pair: { client: Socket; upstream: Socket }): void {
    this.#pairs.add(pair);
  }

  private untrack(pair: { client: Socket; upstream: Socket }): void {
    this.#pairs.delete(pair);
  }
}
