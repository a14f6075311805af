import { Ledger, type Pairs, type Result } from './ledger.js';
import { connectAll, LoadClient } from './load-client.js';
import type { BenchCluster, SeededPair } from './servers.js';
import { round, sleep } from './stats.js';

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
  // The session guard writes a session's last use when the stored one is a minute old (core/sessions.ts):
  // a storm that comes back a minute after the seed pays one write per client, as after a real restart.
  const seededAt = performance.now();
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
  let loadgenCpu = 0;
  const resumedAt: number[] = [];
  let firstCloseAt = 0;
  let lastCloseAt = 0;
  let dropAt = 0;
  let allResumedAt = 0;
  for (const [i, client] of all.entries()) {
    client.onClose = () => {
      if (dropAt === 0) return;
      firstCloseAt ||= performance.now();
      lastCloseAt = performance.now();
    };
    client.onResumed = () => {
      resumedCount += 1;
      resumedAt.push(performance.now());
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
    const cpuAtDrop = process.cpuUsage();
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
    const cpu = process.cpuUsage(cpuAtDrop);
    loadgenCpu = round(((cpu.user + cpu.system) / 1000 / (performance.now() - dropAt)) * 100, 0);
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
      // When the server's closes reached the clients, and when half and 90 % had resumed.
      closes_s: `${round((firstCloseAt - dropAt) / 1000, 2)}..${round((lastCloseAt - dropAt) / 1000, 2)}`,
      resumed_p50_s: round(((resumedAt[Math.floor(resumedAt.length * 0.5)] ?? dropAt) - dropAt) / 1000, 2),
      resumed_p90_s: round(((resumedAt[Math.floor(resumedAt.length * 0.9)] ?? dropAt) - dropAt) / 1000, 2),
      // One node: the part of that spent restarting the process (SIGTERM to listening again).
      // The load generator's own CPU (% of one core) from the drop until all had resumed.
      loadgen_cpu_pct: loadgenCpu,
      restart_s: backAt === 0 ? null : round((backAt - dropAt) / 1000, 2),
      // Of which: SIGTERM until the old process exited (graceful shutdown of every socket).
      shutdown_s: round((stoppedAt - dropAt) / 1000, 2),
      // From the seed until every client had resumed: past 60 s, every session's last use was written.
      seed_to_resumed_s: allResumedAt === 0 ? null : round((allResumedAt - seededAt) / 1000, 1),
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
