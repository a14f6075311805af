import { connectAll, type Frame, LoadClient } from './load-client.js';
import type { BenchCluster, SeededPair } from './servers.js';
import { type LatencySummary, ProcessMeter, round, rssBytes, sleep, summarise } from './stats.js';

export interface Result {
  scenario: string;
  setup: string;
  [key: string]: unknown;
}

/** Senders and receivers of P pairs; on two nodes patients sit on one and practitioners on the other. */
interface Pairs {
  pairs: SeededPair[];
  senders: LoadClient[];
  receivers: LoadClient[];
  close(): void;
}

async function connectPairs(cluster: BenchCluster, count: number): Promise<Pairs> {
  const pairs = await cluster.seedPairs(count);
  const urls = cluster.nodes.map((n) => n.wsUrl);
  const senders = pairs.map((p) => new LoadClient(p.patient.id, p.patient.token, urls));
  const receivers = pairs.map(
    (p) => new LoadClient(p.practitioner.id, p.practitioner.token, [urls[urls.length - 1]!, ...urls]),
  );
  await connectAll(senders);
  await connectAll(receivers);
  return {
    pairs,
    senders,
    receivers,
    close() {
      for (const client of [...senders, ...receivers]) client.close();
    },
  };
}

/** Counts what one run of traffic did: each message by client_msg_id, from send to receipt. */
class Ledger {
  readonly sentAt = new Map<string, number>();
  readonly acked = new Set<string>();
  /** For diagnosing a loss: the acknowledged seq and conversation of each message. */
  readonly ackedAt = new Map<string, { seq: number; conversationId: string }>();
  readonly received = new Map<string, number>();
  readonly latencies: number[] = [];
  outOfOrder = 0;
  errors = 0;
  #lastSeq = new Map<LoadClient, number>();

  watch(pairs: Pairs): void {
    for (const sender of pairs.senders) {
      sender.onFrame = (frame: Frame) => {
        // Only this run's messages: acks of an earlier run (the warm-up) may still be arriving.
        if (frame.type === 'message_sent' && frame.client_msg_id && this.sentAt.has(frame.client_msg_id)) {
          this.acked.add(frame.client_msg_id);
          this.ackedAt.set(frame.client_msg_id, { seq: frame.seq!, conversationId: frame.conversation_id! });
        } else if (frame.type === 'error') this.errors += 1;
      };
    }
    for (const receiver of pairs.receivers) {
      receiver.onFrame = (frame: Frame) => {
        if (frame.type !== 'chat_message' || !frame.client_msg_id || !this.sentAt.has(frame.client_msg_id))
          return;
        const at = performance.now();
        const id = frame.client_msg_id;
        const seen = this.received.get(id) ?? 0;
        this.received.set(id, seen + 1);
        const sent = this.sentAt.get(id);
        if (seen === 0 && sent !== undefined) this.latencies.push(at - sent);
        const last = this.#lastSeq.get(receiver) ?? 0;
        if (frame.seq! <= last) this.outOfOrder += 1;
        else this.#lastSeq.set(receiver, frame.seq!);
      };
    }
  }

  /** Waits until every acknowledged message has reached its receiver, or `ms` pass. */
  async drain(ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    while (performance.now() < deadline) {
      let missing = 0;
      for (const id of this.acked) if (!this.received.has(id)) missing += 1;
      if (missing === 0 && this.acked.size === this.sentAt.size) return;
      await sleep(50);
    }
  }

  summary(): {
    sent: number;
    acked: number;
    delivered: number;
    lost: number;
    duplicated: number;
    outOfOrder: number;
    latency: LatencySummary;
  } {
    let lost = 0;
    for (const id of this.acked) if (!this.received.has(id)) lost += 1;
    let duplicated = 0;
    for (const count of this.received.values()) if (count > 1) duplicated += count - 1;
    return {
      sent: this.sentAt.size,
      acked: this.acked.size,
      delivered: this.received.size,
      lost,
      duplicated,
      outOfOrder: this.outOfOrder,
      latency: summarise(this.latencies),
    };
  }
}

let runCounter = 0;

/** Open loop: messages leave on schedule, R per second over all pairs, whatever the acks do. */
async function drive(pairs: Pairs, ledger: Ledger, rate: number, seconds: number): Promise<number> {
  const run = `${process.pid}-${runCounter++}`;
  const started = performance.now();
  let sent = 0;
  let next = 0;
  const total = Math.round(rate * seconds);
  await new Promise<void>((done) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      for (; sent < due; sent++) {
        const i = next++ % pairs.senders.length;
        const id = `${run}-${sent}`;
        ledger.sentAt.set(id, performance.now());
        pairs.senders[i]!.send({
          type: 'chat_message',
          conversation_id: pairs.pairs[i]!.conversationId,
          client_msg_id: id,
          content: 'The results are in; nothing to worry about. See you on Tuesday.',
        });
      }
      if (sent >= total) {
        clearInterval(timer);
        done();
      }
    }, 2);
  });
  return (performance.now() - started) / 1000;
}

export interface PairsOptions {
  pairs: number;
  rate: number;
  seconds: number;
}

async function measurePairs(
  cluster: BenchCluster,
  pairs: Pairs,
  o: PairsOptions,
): Promise<Record<string, unknown>> {
  const ledger = new Ledger();
  ledger.watch(pairs);
  const meter = new ProcessMeter(() => cluster.nodes.map((n) => n.pid()));
  const metricsBefore = await serverMetrics(cluster);
  meter.start();
  const elapsed = await drive(pairs, ledger, o.rate, o.seconds);
  const server = meter.stop();
  await ledger.drain(5000);
  const s = ledger.summary();
  const metricsAfter = await serverMetrics(cluster);
  const delta = (name: string) => (metricsAfter.get(name) ?? 0) - (metricsBefore.get(name) ?? 0);
  const commits = delta('carechat_commit_latency_seconds_count');
  return {
    pairs: o.pairs,
    rate: o.rate,
    seconds: o.seconds,
    sent: s.sent,
    acked: s.acked,
    delivered: s.delivered,
    lost: s.lost,
    duplicated: s.duplicated,
    out_of_order: s.outOfOrder,
    errors: ledger.errors,
    achieved_per_s: round(s.delivered / elapsed, 0),
    p50_ms: s.latency.p50,
    p95_ms: s.latency.p95,
    p99_ms: s.latency.p99,
    max_ms: s.latency.max,
    server_cpu_pct: server.cpuPercent,
    server_rss_mib: server.rssMiB,
    commits,
    commit_p99_ms: bucketQuantile(metricsBefore, metricsAfter, 'carechat_commit_latency_seconds', 0.99),
    commit_avg_ms: round((delta('carechat_commit_latency_seconds_sum') / Math.max(1, commits)) * 1000),
    batch_avg: round(delta('carechat_commit_batch_size_sum') / Math.max(1, commits), 1),
    server_delivery_avg_ms: round(
      (delta('carechat_delivery_latency_seconds_sum') /
        Math.max(1, delta('carechat_delivery_latency_seconds_count'))) *
        1000,
    ),
  };
}

/** Server metrics summed over all nodes (from /metrics); histogram buckets keyed `name{le}`. */
async function serverMetrics(cluster: BenchCluster): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for (const node of cluster.nodes) {
    const text = await fetch(`${node.httpUrl}/metrics`).then((r) => r.text());
    for (const line of text.split('\n')) {
      const match = /^(carechat_[a-z_]+)(?:\{([^}]*)\})? ([0-9.e+-]+)$/.exec(line);
      if (!match) continue;
      const le = /le="([^"]+)"/.exec(match[2] ?? '')?.[1];
      const key = le === undefined ? match[1]! : `${match[1]}{${le}}`;
      totals.set(key, (totals.get(key) ?? 0) + Number(match[3]));
    }
  }
  return totals;
}

/** The upper bound (ms) of the histogram bucket holding quantile q of the observations between two scrapes. */
function bucketQuantile(
  before: Map<string, number>,
  after: Map<string, number>,
  name: string,
  q: number,
): number {
  const buckets: Array<{ le: number; count: number }> = [];
  for (const [key, value] of after) {
    const match = new RegExp(`^${name}_bucket\\{(.+)\\}$`).exec(key);
    if (match)
      buckets.push({
        le: Number(match[1] === '+Inf' ? Infinity : match[1]),
        count: value - (before.get(key) ?? 0),
      });
  }
  buckets.sort((x, y) => x.le - y.le);
  const total = buckets.at(-1)?.count ?? 0;
  const bucket = buckets.find((b) => b.count >= q * total);
  return bucket ? round(bucket.le * 1000) : 0;
}

export async function pairsScenario(cluster: BenchCluster, o: PairsOptions): Promise<Result> {
  const pairs = await connectPairs(cluster, o.pairs);
  try {
    // A short run first: JIT, caches and connection pools warm up before anything is measured.
    await measurePairs(cluster, pairs, { ...o, seconds: Math.min(2, o.seconds) });
    return { scenario: 'pairs', setup: cluster.setup, ...(await measurePairs(cluster, pairs, o)) };
  } finally {
    pairs.close();
  }
}

export interface RampOptions {
  pairs: number;
  start: number;
  factor: number;
  max: number;
  stepSeconds: number;
  p99LimitMs: number;
}

/** Raises the rate step by step until p99 passes the limit, anything is lost, or the rate is not reached. */
export async function rampScenario(
  cluster: BenchCluster,
  o: RampOptions,
  onStep: (step: Record<string, unknown>) => void,
): Promise<Result> {
  const pairs = await connectPairs(cluster, o.pairs);
  await measurePairs(cluster, pairs, { pairs: o.pairs, rate: o.start, seconds: 2 });
  let lastGood = 0;
  let stoppedBy = 'max rate reached';
  const steps: Array<Record<string, unknown>> = [];
  let rate = o.start;
  try {
    while (rate <= o.max) {
      const step = await measurePairs(cluster, pairs, { pairs: o.pairs, rate, seconds: o.stepSeconds });
      onStep(step);
      steps.push({
        rate,
        achieved: step.achieved_per_s,
        p50_ms: step.p50_ms,
        p99_ms: step.p99_ms,
        lost: step.lost,
      });
      const p99 = Number(step.p99_ms);
      const achieved = Number(step.achieved_per_s);
      if (Number(step.lost) > 0) stoppedBy = `lost ${step.lost} at ${rate}/s`;
      else if (p99 > o.p99LimitMs) stoppedBy = `p99 ${p99} ms at ${rate}/s`;
      else if (achieved < rate * 0.95) stoppedBy = `achieved ${achieved}/s of ${rate}/s`;
      else {
        lastGood = rate;
        rate = Math.round((rate * o.factor) / 100) * 100;
        continue;
      }
      break;
    }
  } finally {
    pairs.close();
  }
  return {
    scenario: 'ramp',
    setup: cluster.setup,
    pairs: o.pairs,
    step_seconds: o.stepSeconds,
    last_good_rate: lastGood,
    stopped_by: stoppedBy,
    steps: JSON.stringify(steps),
  };
}

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

/** Where each lost message stood: its seq, and what its receiver holds and whether it is connected. */
function lostDetail(ledger: Ledger, receivers: LoadClient[], pairs: SeededPair[]): string {
  const byConversation = new Map(pairs.map((p, i) => [p.conversationId, receivers[i]!]));
  const lines: string[] = [];
  for (const id of ledger.acked) {
    if (ledger.received.has(id) || lines.length >= 5) continue;
    const at = ledger.ackedAt.get(id)!;
    const receiver = byConversation.get(at.conversationId);
    lines.push(
      `${id} seq ${at.seq}: receiver holds ${receiver?.cursors.get(at.conversationId)} open=${receiver?.open}`,
    );
  }
  return lines.join('; ');
}

export interface StormOptions {
  clients: number;
  /** Messages per second sent across the pairs before, during and after the drop. */
  rate: number;
}

/**
 * C clients on one node; that node restarts (SIGTERM: sockets close with 1012). On one node the
 * clients come back to it when it is up again; on two they move to the other node at once. Every
 * client resumes from its cursors and resends what was not acknowledged. Reports the time until
 * all have resumed and any acknowledged message that never reached its receiver.
 */
export async function stormScenario(cluster: BenchCluster, o: StormOptions): Promise<Result> {
  const pairs = await cluster.seedPairs(Math.ceil(o.clients / 2));
  const target = cluster.nodes[0]!;
  const urls = [target.wsUrl, ...cluster.nodes.slice(1).map((n) => n.wsUrl)];
  const failover = cluster.nodes.length > 1 ? [...urls.slice(1)] : urls;
  const senders = pairs.map((p) => new LoadClient(p.patient.id, p.patient.token, failover));
  const receivers = pairs.map((p) => new LoadClient(p.practitioner.id, p.practitioner.token, failover));
  const all = [...senders, ...receivers];
  // Like an app that has loaded its conversation list: it resumes each from what it holds (0 for none yet).
  for (const [i, client] of all.entries()) client.cursors.set(pairs[i % pairs.length]!.conversationId, 0);
  await connectAll(all, { concurrency: 100, reconnect: true, url: () => target.wsUrl });
  const set: Pairs = {
    pairs,
    senders,
    receivers,
    close: () => {
      for (const c of all) c.close();
    },
  };
  const ledger = new Ledger();
  ledger.watch(set);

  // Each sender's outbox: resent with the same client_msg_id after it has resumed.
  const outbox = new Map<LoadClient, Map<string, object>>();
  let resumedCount = 0;
  let dropAt = 0;
  let allResumedAt = 0;
  for (const [i, client] of all.entries()) {
    client.onResumed = () => {
      resumedCount += 1;
      if (resumedCount === all.length) allResumedAt = performance.now();
      if (i < senders.length) for (const frame of outbox.get(client)?.values() ?? []) client.send(frame);
    };
  }
  for (const sender of senders) {
    const wrapped = sender.onFrame;
    sender.onFrame = (frame) => {
      if (frame.type === 'message_sent' && frame.client_msg_id)
        outbox.get(sender)?.delete(frame.client_msg_id);
      wrapped(frame);
    };
  }

  let sent = 0;
  const started = performance.now();
  const traffic = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * o.rate);
    for (; sent < due; sent++) {
      const i = sent % senders.length;
      const id = `storm-${process.pid}-${sent}`;
      const frame = {
        type: 'chat_message',
        conversation_id: pairs[i]!.conversationId,
        client_msg_id: id,
        content: 'Storm test message.',
      };
      ledger.sentAt.set(id, performance.now());
      const box = outbox.get(senders[i]!) ?? new Map<string, object>();
      outbox.set(senders[i]!, box);
      box.set(id, frame);
      senders[i]!.send(frame);
    }
  }, 5);

  try {
    await sleep(2000);
    dropAt = performance.now();
    let backAt = 0;
    let stoppedAt = 0;
    const restart = (async () => {
      await target.stop();
      stoppedAt = performance.now();
      if (cluster.nodes.length === 1) {
        await target.start();
        backAt = performance.now();
      }
    })();
    const deadline = dropAt + 60_000;
    while (allResumedAt === 0 && performance.now() < deadline) await sleep(50);
    await restart;
    await sleep(2000);
    clearInterval(traffic);
    // Whatever is still in an outbox goes out once more (a reconnect may have raced the resend).
    for (const [sender, box] of outbox) for (const frame of box.values()) sender.send(frame);
    await ledger.drain(10_000);
    const s = ledger.summary();
    return {
      scenario: 'storm',
      setup: cluster.setup,
      clients: all.length,
      rate: o.rate,
      resumed: `${resumedCount}/${all.length}`,
      all_resumed_s: allResumedAt === 0 ? null : round((allResumedAt - dropAt) / 1000, 2),
      // One node: the part of that spent restarting the process (SIGTERM to listening again).
      restart_s: backAt === 0 ? null : round((backAt - dropAt) / 1000, 2),
      // Of which: SIGTERM until the old process exited (graceful shutdown of every socket).
      shutdown_s: round((stoppedAt - dropAt) / 1000, 2),
      sent: s.sent,
      acked: s.acked,
      unacked_at_end: s.sent - s.acked,
      lost: s.lost,
      duplicated: s.duplicated,
      out_of_order: s.outOfOrder,
      ...(s.lost > 0 ? { lost_detail: lostDetail(ledger, receivers, pairs) } : {}),
    };
  } finally {
    clearInterval(traffic);
    set.close();
    // On two nodes the stopped one comes back for the next scenario.
    if (cluster.nodes.length > 1) await target.start().catch(() => {});
    await sleep(1000);
  }
}
