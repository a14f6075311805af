import { writeFileSync } from 'node:fs';
import { connectPairs, Ledger, type Pairs, type Result } from './ledger.js';
import { type BenchCluster, METRICS_KEY } from './servers.js';
import { ProcessMeter, round } from './stats.js';

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

function timelineOf(ledger: Ledger): string {
  const order = ledger.sendTimes.map((_, i) => i).sort((x, y) => ledger.sendTimes[x]! - ledger.sendTimes[y]!);
  const first = ledger.sendTimes[order[0] ?? 0] ?? 0;
  return order
    .map((i) => `${(ledger.sendTimes[i]! - first).toFixed(3)} ${ledger.latencies[i]!.toFixed(3)}\n`)
    .join('');
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
  // BENCH_TIMELINE=<file>: one line per delivered message, "<ms since the first send> <latency ms>", in
  // send order, to see whether the slow ones come together, and how often (a stall, a timer).
  const timeline = process.env.BENCH_TIMELINE;
  if (timeline) writeFileSync(timeline, timelineOf(ledger));
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
    // What one delivered message costs the servers, whatever the rate: comparable across setups.
    server_cpu_us_per_msg: round((server.cpuSeconds / Math.max(1, s.delivered)) * 1e6, 0),
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
    const text = await fetch(`${node.httpUrl}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_KEY}` },
    }).then((r) => r.text());
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
        cpu_us_per_msg: step.server_cpu_us_per_msg,
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
