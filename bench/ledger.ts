import { connectAll, type Frame, LoadClient } from './load-client.js';
import type { BenchCluster, SeededPair } from './servers.js';
import { type LatencySummary, sleep, summarise } from './stats.js';

export interface Result {
  scenario: string;
  setup: string;
  [key: string]: unknown;
}

/** Senders and receivers of P pairs; on two nodes patients sit on one and practitioners on the other. */
export interface Pairs {
  pairs: SeededPair[];
  senders: LoadClient[];
  receivers: LoadClient[];
  close(): void;
}

export async function connectPairs(cluster: BenchCluster, count: number): Promise<Pairs> {
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
export class Ledger {
  readonly sentAt = new Map<string, number>();
  readonly acked = new Set<string>();
  /** For diagnosing a loss: the acknowledged seq and conversation of each message. */
  readonly ackedAt = new Map<string, { seq: number; conversationId: string }>();
  readonly received = new Map<string, number>();
  readonly latencies: number[] = [];
  /** When each of `latencies` was sent (ms, the load generator's clock): to see when the slow ones were. */
  readonly sendTimes: number[] = [];
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
        if (seen === 0 && sent !== undefined) {
          this.latencies.push(at - sent);
          this.sendTimes.push(sent);
        }
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
