import type { Door } from '@carechat/protocol';
import type { Actor } from '../core/actor.js';
import { CoreError } from '../core/errors.js';
import type { Core } from '../core/index.js';
import type { Metrics } from '../metrics.js';
import { type Admission, type AdmissionRequest, admit, REFUSALS, type Refusal } from './admission.js';
import type { FailureLog } from './failure.js';
import { Hub } from './hub.js';
import { LiveSession, type LiveSink, type SessionCounters } from './session.js';
import { SlowConsumerPolicy } from './slow-consumer.js';

/** The logger the layer writes connection events to (pino's, in the server). */
export interface LiveLog extends FailureLog {
  debug(details: object, message: string): void;
}

export interface LiveLayerOptions {
  /** A connection whose unsent data passes this is cut off; it resumes by seq or cursor. */
  maxBufferedBytes: number;
  /** How long shutdown lets actions already received finish (their commits and answers). */
  graceMs?: number;
  gapWaitMs?: number;
  log: LiveLog;
  metrics?: Metrics | undefined;
  onBackgroundError?: (error: unknown) => void;
}

export interface OpenOptions {
  door: Door;
  /** From admission: frees the connection's place under the limits when it ends. */
  release: () => void;
  conversationId?: string | undefined;
  startAtFirstSeq?: boolean;
  /** A per-conversation socket whose client reconnects without `resume` (see LiveSession.pickUp). */
  resumeFromSessionCursor?: boolean;
  /** How often the sink's wire heartbeat runs (sinks without one ignore it). */
  heartbeatMs?: number | undefined;
}

/**
 * The live-session layer between the core and the doors, written once for every live door:
 * admission, this node's sessions (the hub), heartbeat, the revocation sweep, catch-up after a bus
 * outage and the shutdown drain. A door is left with its codec: wire in, core actions out;
 * events in, wire out.
 */
export class LiveLayer {
  readonly hub: Hub;
  readonly #slowConsumer: SlowConsumerPolicy;
  /** Sessions still open, or closed with actions still running (a graceful close waits for them). */
  readonly #unsettled = new Set<LiveSession>();
  readonly #ending = new Map<LiveSession, () => void>();
  /**
   * The sessions with a wire heartbeat, by interval: one timer per interval in use rather than
   * one per connection (a node holds tens of thousands of idle connections).
   */
  readonly #heartbeats = new Map<
    number,
    { sessions: Set<LiveSession>; timer: ReturnType<typeof setInterval> }
  >();
  readonly #counters = new Map<Door, SessionCounters>();
  #admitting = true;

  constructor(
    private readonly core: Core,
    private readonly options: LiveLayerOptions,
  ) {
    this.hub = new Hub(core.bus, core.connectionLifecycle, options.onBackgroundError);
    this.#slowConsumer = new SlowConsumerPolicy(options.maxBufferedBytes);
  }

  get connectionCount(): number {
    return this.hub.connectionCount;
  }

  get admitting(): boolean {
    return this.#admitting;
  }

  /** How many sessions of a door are open (metrics). */
  count(door: Door): number {
    let n = 0;
    for (const session of this.#ending.keys()) if (session.door === door) n += 1;
    return n;
  }

  /** Lets a connection in, or says why not (see live/admission.ts). */
  async admit(request: AdmissionRequest): Promise<Admission> {
    if (!this.#admitting) return { admitted: false, refusal: REFUSALS.unavailable };
    const admission = await admit(this.core, request, this.options.log);
    // Shutdown began while authenticating: the place is given back at once.
    if (admission.admitted && !this.#admitting) {
      admission.release();
      return { admitted: false, refusal: REFUSALS.unavailable };
    }
    return admission;
  }

  /** For HTTP doors: an admission's actor, or its refusal thrown as the catalogue's error. */
  async admitOrThrow(request: AdmissionRequest): Promise<{ actor: Actor; release: () => void }> {
    const admission = await this.admit(request);
    if (!admission.admitted) throw refusalError(admission.refusal);
    return admission;
  }

  /** Starts the live session of an admitted connection; its door calls `end` when it closes. */
  open(actor: Actor, sink: LiveSink, options: OpenOptions): LiveSession {
    const { door } = options;
    const parentLog = this.options.log;
    // Nothing here is made per connection that can be made once per door: a node holds tens of
    // thousands of idle connections.
    const session: LiveSession = new LiveSession(this.core, actor, sink, {
      door,
      conversationId: options.conversationId,
      ...(options.startAtFirstSeq ? { startAtFirstSeq: true } : {}),
      ...(options.resumeFromSessionCursor ? { resumeFromSessionCursor: true } : {}),
      gapWaitMs: this.options.gapWaitMs,
      slowConsumer: this.#slowConsumer,
      log: parentLog,
      counters: this.countersOf(door),
    });
    const heartbeatMs =
      sink.heartbeat && options.heartbeatMs !== undefined && options.heartbeatMs > 0
        ? options.heartbeatMs
        : 0;
    if (heartbeatMs > 0) this.beatEvery(heartbeatMs).add(session);
    this.#unsettled.add(session);
    this.#ending.set(session, () => {
      if (heartbeatMs > 0) this.stopBeating(heartbeatMs, session);
      options.release();
      parentLog.debug({ conn: session.id, door }, 'socket closed');
    });
    parentLog.debug({ conn: session.id, door }, 'socket opened');
    void this.hub.add(session);
    session.start().catch((error: unknown) => session.fail(error, options.conversationId));
    return session;
  }

  private countersOf(door: Door): SessionCounters {
    let counters = this.#counters.get(door);
    if (!counters) {
      const metrics = this.options.metrics;
      const delivered = metrics?.messagesDelivered.labels({ door });
      counters = {
        error: (code) => metrics?.errors.inc({ code, door }),
        delivered: () => delivered?.inc(),
      };
      this.#counters.set(door, counters);
    }
    return counters;
  }

  private beatEvery(ms: number): Set<LiveSession> {
    let group = this.#heartbeats.get(ms);
    if (!group) {
      const sessions = new Set<LiveSession>();
      const timer = setInterval(() => {
        for (const session of sessions) session.heartbeat();
      }, ms);
      timer.unref();
      group = { sessions, timer };
      this.#heartbeats.set(ms, group);
    }
    return group.sessions;
  }

  private stopBeating(ms: number, session: LiveSession): void {
    const group = this.#heartbeats.get(ms);
    if (!group) return;
    group.sessions.delete(session);
    if (group.sessions.size === 0) {
      clearInterval(group.timer);
      this.#heartbeats.delete(ms);
    }
  }

  /** The connection closed: no more events; actions it sent still finish. */
  end(session: LiveSession): void {
    const ending = this.#ending.get(session);
    if (!ending) return;
    this.#ending.delete(session);
    ending();
    void this.hub.remove(session);
    session.close();
    session.rememberDelivery().catch((error: unknown) => this.options.onBackgroundError?.(error));
    void session.idle().then(() => this.#unsettled.delete(session));
  }

  /** New connections are refused from now on (503, or the door's equivalent). */
  stopAdmitting(): void {
    this.#admitting = false;
  }

  /**
   * The graceful close of some doors' connections: actions already received finish (their
   * commits and answers), then `closeConnections` closes them in the door's own way, then actions
   * that arrived meanwhile finish too, all within the grace period.
   */
  async drain(doors: readonly Door[], closeConnections: () => Promise<void> | void): Promise<void> {
    this.stopAdmitting();
    const deadline = Date.now() + (this.options.graceMs ?? 5000);
    const settle = () =>
      withDeadline(
        Promise.all([...this.#unsettled].filter((s) => doors.includes(s.door)).map((s) => s.idle())).then(
          () => {},
        ),
        Math.max(0, deadline - Date.now()),
      );
    await settle();
    await closeConnections();
    await settle();
  }

  /**
   * The backstop of revocation: the sessions behind this node's connections are checked again, and
   * a revocation the bus lost, or a session that expired or went idle, ends its connections here.
   */
  async sweep(): Promise<number> {
    const sessions = this.hub.sessions();
    if (sessions.length === 0) return 0;
    const stale = new Set(await this.core.sessions.stale(sessions.map((s) => s.actor)));
    let closed = 0;
    for (const session of sessions) {
      if (!stale.has(session.actor.sessionId)) continue;
      session.revoke('expired');
      closed += 1;
    }
    return closed;
  }

  /** After a bus outage in which events were lost: every session loads what it missed. */
  catchUp(): void {
    for (const session of this.hub.sessions()) void session.catchUp();
  }

  close(): void {
    this.hub.close();
  }
}

/** A refusal as the catalogue's error, for doors that answer over HTTP. */
export function refusalError(refusal: Refusal): CoreError {
  return new CoreError(
    refusal.code,
    refusal.message,
    refusal.retryAfter === undefined ? undefined : { retryAfter: refusal.retryAfter },
  );
}

function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
