import { domainEvent } from '../events.js';
import type { Bus } from '../ports/bus.js';
import type { CareStore } from '../ports/care-store.js';
import type { Clock } from '../ports/clock.js';
import { openWindowAt } from './schedule-windows.js';

export interface DoctorReadyDeps {
  care: CareStore;
  bus: Bus;
  clock: Clock;
  /** This node's name in the lease rows (for operators reading them). */
  nodeId: string;
  onError?: (error: unknown) => void;
}

export const DOCTOR_READY_MESSAGE = 'Doctor is now available';

/**
 * How long a node's claim on one doctor_ready holds before another node may send it instead: long
 * enough for a publish, short enough that a dead node's patients wait one check or so.
 */
const CLAIM_MS = 30_000;

/**
 * Tells a patient's devices `doctor_ready` when their practitioner's schedule window opens during
 * an active consultation, once per window occurrence. Every node runs the same check (periodically,
 * and when a practitioner connects); the due work lives in the database: a lease row keyed by
 * (consultation, window occurrence) lets one node at a time claim it, and it is marked sent after
 * the publish. A node that dies between claim and publish leaves a lapsed, unsent lease that the
 * next check of any node takes over, so the event is not lost. (A node dying in the instant
 * between publish and mark would let it go out twice: delivery is at least once, duplicates only
 * in that window.)
 */
export class DoctorReadyNotifier {
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly d: DoctorReadyDeps) {}

  /** One pass over live consultations (of one practitioner, if given). Returns how many were sent. */
  async check(practitionerId?: string): Promise<number> {
    const now = this.d.clock.now();
    const nowIso = now.toISOString();
    const consultations = await this.d.care.listLiveConsultations(nowIso, practitionerId);
    if (consultations.length === 0) return 0;
    const windows = await this.d.care.listScheduleWindows([
      ...new Set(consultations.map((c) => c.practitionerId)),
    ]);
    let sent = 0;
    for (const c of consultations) {
      if (c.conversationId === null) continue;
      const open = openWindowAt(
        windows.filter((w) => w.practitionerId === c.practitionerId),
        now,
      );
      if (!open) continue;
      const until = new Date(now.getTime() + CLAIM_MS).toISOString();
      if (!(await this.d.care.claimDoctorReady(c.id, open.key, this.d.nodeId, nowIso, until))) continue;
      await this.d.bus.publish(
        domainEvent('doctor.ready', [c.patientId], {
          consultationId: c.id,
          conversationId: c.conversationId,
          doctorId: c.practitionerId,
          text: DOCTOR_READY_MESSAGE,
        }),
      );
      await this.d.care.markDoctorReadySent(c.id, open.key, this.d.clock.now().toISOString());
      sent += 1;
    }
    return sent;
  }

  /** Runs `check` every `intervalMs` (0 turns the timer off; tests call `check` themselves). */
  start(intervalMs: number): void {
    this.stop();
    if (intervalMs <= 0) return;
    this.#timer = setInterval(() => {
      this.check().catch((error: unknown) => this.d.onError?.(error));
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
