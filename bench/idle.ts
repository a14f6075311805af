import type { Result } from './ledger.js';
import { connectAll, LoadClient } from './load-client.js';
import type { BenchCluster } from './servers.js';
import { round, rssBytes, sleep } from './stats.js';

/** C authenticated idle connections: server memory per connection. */
export async function idleScenario(cluster: BenchCluster, connections: number): Promise<Result> {
  const pairs = await cluster.seedPairs(Math.ceil(connections / 2));
  const users = pairs.flatMap((p) => [p.patient, p.practitioner]).slice(0, connections);
  const urls = cluster.nodes.map((n) => n.wsUrl);
  const clients = users.map((u) => new LoadClient(u.id, u.token, urls));
  const rss = () => cluster.nodes.reduce((sum, n) => sum + rssBytes(n.pid()), 0);
  await sleep(1000);
  const before = rss();
  const started = performance.now();
  let opened = 0;
  try {
    await connectAll(clients, { concurrency: 100, url: (i) => urls[i % urls.length]! });
    opened = clients.filter((c) => c.open).length;
    const connectSeconds = (performance.now() - started) / 1000;
    await sleep(3000);
    const after = rss();
    // Every socket must still be alive and served: a ping round trip on a sample.
    const sample = clients.filter((_, i) => i % Math.max(1, Math.floor(clients.length / 200)) === 0);
    const answered = await Promise.all(sample.map((c) => pingPong(c)));
    return {
      scenario: 'idle',
      setup: cluster.setup,
      connections,
      opened,
      connect_seconds: round(connectSeconds, 1),
      server_rss_before_mib: round(before / 1048576, 1),
      server_rss_after_mib: round(after / 1048576, 1),
      rss_per_connection_kib: round((after - before) / 1024 / Math.max(1, opened), 2),
      sample_answering: `${answered.filter(Boolean).length}/${sample.length}`,
    };
  } finally {
    for (const c of clients) c.close();
    await sleep(1000);
  }
}

function pingPong(client: LoadClient): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    const previous = client.onFrame;
    client.onFrame = (frame) => {
      if (frame.type === 'pong') {
        clearTimeout(timer);
        client.onFrame = previous;
        resolve(true);
      }
    };
    if (!client.send({ type: 'ping' })) resolve(false);
  });
}
