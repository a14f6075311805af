import type { Agent } from 'node:https';
import type { NotifyConfig } from '../config.js';
import type { AuditLog } from '../core/audit.js';
import { newId } from '../core/ids.js';
import type { Bus } from '../core/ports/bus.js';
import type { CareStore } from '../core/ports/care-store.js';
import type { Clock } from '../core/ports/clock.js';
import type { Mailer } from '../core/ports/mailer.js';
import type { NotificationStore } from '../core/ports/notification-store.js';
import type { PushSender } from '../core/ports/push-sender.js';
import type { Store } from '../core/ports/store.js';
import { type DispatcherDeps, NotificationDispatcher } from './dispatcher.js';
import { LadderTrigger } from './ladder-trigger.js';
import { NotificationPreferenceService } from './notification-preferences.js';
import { SmtpMailer } from './smtp-mailer.js';
import { UnsubscribeTokens } from './unsubscribe-token.js';
import { WebPushSender } from './web-push-sender.js';

export interface NotificationsDeps {
  config: NotifyConfig;
  store: Store;
  care: CareStore;
  notifications: NotificationStore;
  clock: Clock;
  /** Signs the unsubscribe links (derived key: the secret itself never appears in them). */
  secret: string;
  nodeId: string;
  /** The HTTPS agent for push services (tests: one that trusts their local endpoint). */
  pushAgent?: Agent;
  onError: (error: unknown) => void;
  onOutcome?: DispatcherDeps['onOutcome'];
}

/** Finished rows are kept a week (they keep a long unread streak from being notified again), then go. */
const KEEP_FINISHED_MS = 7 * 86_400_000;
const PURGE_EVERY_MS = 3_600_000;

/**
 * Push and email to people who are not looking, assembled from configuration. With neither
 * VAPID keys nor SMTP configured it writes nothing and runs no timer: the server is as before.
 */
export class Notifications {
  readonly dispatcher: NotificationDispatcher;
  readonly enabled: boolean;
  readonly #trigger: LadderTrigger;
  readonly #mailer: SmtpMailer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #nudged = false;
  readonly #unsubscribe: UnsubscribeTokens;
  readonly #emailAvailable: boolean;
  #purgedAt = 0;

  constructor(private readonly d: NotificationsDeps) {
    const push: PushSender | undefined = d.config.vapid
      ? new WebPushSender(d.config.vapid, d.pushAgent)
      : undefined;
    this.#mailer = d.config.smtp ? new SmtpMailer(d.config.smtp) : undefined;
    const mailer: Mailer | undefined = this.#mailer;
    this.enabled = push !== undefined || mailer !== undefined;
    const unsubscribe = new UnsubscribeTokens(d.secret);
    this.#unsubscribe = unsubscribe;
    this.#emailAvailable = mailer !== undefined;
    this.dispatcher = new NotificationDispatcher({
      store: d.store,
      notifications: d.notifications,
      clock: d.clock,
      push,
      mailer,
      unsubscribe,
      publicUrl: d.config.publicUrl,
      // This process's life, not just the node's name: a node restarted under the same NODE_ID does
      // not hold the leases its killed predecessor took.
      nodeId: `${d.nodeId}/${newId('run')}`,
      leaseMs: d.config.leaseMs,
      onError: d.onError,
      ...(d.onOutcome ? { onOutcome: d.onOutcome } : {}),
    });
    this.#trigger = new LadderTrigger({
      store: d.store,
      care: d.care,
      notifications: d.notifications,
      clock: d.clock,
      ladders: d.config.ladders,
      channels: { push: push !== undefined, email: mailer !== undefined },
      nudge: () => this.nudge(),
      onError: d.onError,
    });
  }

  /** The SMTP mailer, when SMTP is configured (sign-up confirmations send through it too). */
  get mailer(): Mailer | undefined {
    return this.#mailer;
  }

  /** The bus the core publishes on: watched for the events that start, stop or withdraw notifications. */
  watching(bus: Bus): Bus {
    return this.enabled ? this.#trigger.watching(bus) : bus;
  }

  /** Each person's settings and devices, for the doors; changes go to the audit trail. */
  preferenceService(audit: AuditLog): NotificationPreferenceService {
    return new NotificationPreferenceService({
      notifications: this.d.notifications,
      clock: this.d.clock,
      audit,
      unsubscribe: this.#unsubscribe,
      vapidPublicKey: this.d.config.vapid?.publicKey,
      emailAvailable: this.#emailAvailable,
      pushHosts: this.d.config.pushHosts,
    });
  }

  /** Resolves when what this node's events start, stop or withdraw is written (tests; shutdown). */
  settled(): Promise<void> {
    return this.#trigger.settled();
  }

  /** Looks for due work every NOTIFY_CHECK_MS (0: never on this node). */
  start(): void {
    if (!this.enabled || this.d.config.checkMs === 0 || this.#timer) return;
    this.#timer = setInterval(() => this.#run(), this.d.config.checkMs);
    this.#timer.unref();
  }

  /** Stops looking; a send under way finishes (its lease covers it). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#trigger.settled();
    await this.dispatcher.idle();
    this.#mailer?.close();
  }

  /** Work due now was just written: send it without waiting for the next check. */
  private nudge(): void {
    if (!this.#timer || this.#nudged) return;
    this.#nudged = true;
    setImmediate(() => {
      this.#nudged = false;
      this.#run();
    });
  }

  #run(): void {
    this.dispatcher.runOnce().catch(this.d.onError);
    const now = this.d.clock.now().getTime();
    if (now - this.#purgedAt >= PURGE_EVERY_MS) {
      this.#purgedAt = now;
      this.d.notifications
        .purgeFinished(new Date(now - KEEP_FINISHED_MS).toISOString())
        .catch(this.d.onError);
    }
  }
}
