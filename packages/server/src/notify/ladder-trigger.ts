import { isWithinSchedule } from '../core/care/schedule-windows.js';
import type { DomainEvent, EventOf } from '../core/events.js';
import { newId } from '../core/ids.js';
import type { Bus } from '../core/ports/bus.js';
import type { CareStore } from '../core/ports/care-store.js';
import type { Clock } from '../core/ports/clock.js';
import type { DueNotificationRecord, NotificationStore } from '../core/ports/notification-store.js';
import type { Store } from '../core/ports/store.js';
import { type LadderStep, type Ladders, stepsAt } from './ladder.js';

export interface LadderTriggerDeps {
  store: Store;
  care: CareStore;
  notifications: NotificationStore;
  clock: Clock;
  ladders: Ladders;
  /** Which channels are configured: steps of the others are never written. */
  channels: { push: boolean; email: boolean };
  /** Due work was written that may be due now: look at once rather than at the next tick. */
  nudge: () => void;
  onError: (error: unknown) => void;
}

/** Sessions ended by the person (or for their safety) take their devices' pushes with them; idle logoff does not. */
const REMOVES_PUSH = new Set(['logout', 'logout_all', 'refresh_token_reuse']);

/**
 * Turns the domain events this node publishes into due notifications: a new unread message starts
 * (or joins) the ladder of each recipient, a read takes back the pushes already shown, a logout
 * removes the device's subscription. It watches publishes rather than the bus's deliveries, so
 * each event is turned into rows once, on the node that committed it, however many nodes run.
 */
export class LadderTrigger {
  readonly #inFlight = new Set<Promise<void>>();

  constructor(private readonly d: LadderTriggerDeps) {}

  /** Resolves when the rows of every event published so far are written. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  /** The bus, with this trigger watching what is published through it. */
  watching(bus: Bus): Bus {
    return {
      publish: async (event) => {
        await bus.publish(event);
        this.observe(event);
      },
      subscribe: (handler) => bus.subscribe(handler),
      ...(bus.onRecovered ? { onRecovered: (listener: () => void) => bus.onRecovered!(listener) } : {}),
      ping: () => bus.ping(),
      close: () => bus.close(),
    };
  }

  observe(event: DomainEvent): void {
    let work: Promise<void> | undefined;
    if (event.kind === 'message.created' && event.notify) work = this.messageNotified(event);
    else if (event.kind === 'receipt.read') work = this.read(event);
    else if (event.kind === 'session.revoked' && event.reason === 'account_deleted') {
      // Every device, including those whose sessions had already ended (idle logoff).
      work = Promise.all(
        event.recipients.map((id) => this.d.notifications.deletePushSubscriptionsOfUser(id)),
      ).then(() => undefined);
    } else if (event.kind === 'session.revoked' && REMOVES_PUSH.has(event.reason)) {
      work = this.d.notifications.deletePushSubscriptionsOfSessions(event.sessionIds);
    }
    if (!work) return;
    const tracked = work.catch(this.d.onError).finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
  }

  /** A new message's `notify` names the recipients to tell: not the sender, not those who muted it. */
  async messageNotified(event: EventOf<'message.created'>): Promise<void> {
    const now = this.d.clock.now();
    const conversationId = event.message.conversation_id;
    const seq = event.message.seq;
    const [participants, users] = await Promise.all([
      this.d.store.listParticipants([conversationId]),
      this.d.store.findUsersByIds(event.notify?.userIds ?? []),
    ]);
    const readSeq = new Map(participants.map((p) => [p.userId, p.lastReadSeq]));
    const practitioners = users.filter((u) => u.role === 'practitioner').map((u) => u.id);
    const windows = practitioners.length > 0 ? await this.d.care.listScheduleWindows(practitioners) : [];
    const rows: DueNotificationRecord[] = [];
    for (const user of users) {
      const round = readSeq.get(user.id);
      if (round === undefined || round >= seq) continue;
      const own = windows.filter((w) => w.practitionerId === user.id);
      // Someone without a schedule is treated as always in hours.
      const inHours = own.length === 0 || isWithinSchedule(own, now);
      for (const step of stepsAt(this.d.ladders[user.role], inHours)) {
        if (!this.configured(step)) continue;
        rows.push(this.row(user.id, conversationId, step, round, seq, now));
      }
    }
    await this.d.notifications.enqueue(rows);
    if (rows.some((r) => r.dueAt <= now.toISOString())) this.d.nudge();
  }

  /** Read on any device: the pushes this conversation showed are withdrawn from every device. */
  async read(event: EventOf<'receipt.read'>): Promise<void> {
    if (!this.d.channels.push) return;
    const shown = await this.d.notifications.listSentPushes(event.userId, event.conversationId, event.seq);
    if (shown.length === 0) return;
    const now = this.d.clock.now().toISOString();
    await this.d.notifications.enqueue(
      shown.map((push) => ({
        id: newId('ntf'),
        userId: push.userId,
        conversationId: push.conversationId,
        step: 'withdraw' as const,
        round: push.round,
        seq: push.seq,
        dueAt: now,
        createdAt: now,
        attempts: 0,
      })),
    );
    this.d.nudge();
  }

  private configured(step: LadderStep): boolean {
    return step.channel === 'push' ? this.d.channels.push : this.d.channels.email;
  }

  private row(
    userId: string,
    conversationId: string,
    step: LadderStep,
    round: number,
    seq: number,
    now: Date,
  ): DueNotificationRecord {
    const base = { id: newId('ntf'), userId, seq, createdAt: now.toISOString(), attempts: 0 };
    if (step.channel === 'digest') {
      // One digest per person per period, covering all their conversations: the period's number
      // is its round, and it goes out when the period ends.
      const period = Math.max(step.afterMs, 60_000);
      const index = Math.floor(now.getTime() / period);
      return {
        ...base,
        conversationId: '*',
        step: 'digest',
        round: index,
        dueAt: new Date((index + 1) * period).toISOString(),
      };
    }
    return {
      ...base,
      conversationId,
      step: step.channel,
      round,
      dueAt: new Date(now.getTime() + step.afterMs).toISOString(),
    };
  }
}
