import {
  CLOSE_CODES,
  encodeEventCursor,
  MAX_RESUME_CONVERSATIONS,
  type ServerFrame,
} from '@carechat/protocol';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import type { ConnectionState, StateChange } from './events.js';
import type { HttpApi } from './http-api.js';
import type { NetworkSignal, Timers, WebSocketConstructor } from './platform.js';
import type { TokenSource } from './token-source.js';
import { openLongPoll } from './transports/long-poll.js';
import { openSse } from './transports/sse.js';
import type { Transport, TransportEvents, TransportName } from './transports/transport.js';
import { openWebSocket } from './transports/websocket.js';

export interface ConnectionOptions {
  api: HttpApi;
  tokens: TokenSource;
  timers: Timers;
  random: () => number;
  network: NetworkSignal;
  WebSocket: WebSocketConstructor | undefined;
  /** Usable transports, in order of preference. */
  transports: TransportName[];
  backoff: Required<BackoffOptions>;
  stableMs: number;
  heartbeat: { intervalMs: number; timeoutMs: number };
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  pollTimeoutMs: number;
  fallbackAfter: number;
}

/** What the connection tells its client. */
export interface ConnectionHooks {
  /** The last seq held per conversation, to resume from. */
  cursors(): Record<string, number>;
  state(change: StateChange): void;
  /** A transport is open and has been asked to resume, in `resumeFrames` frames (each answered by `resumed`). */
  opened(transport: Transport, resumeFrames: number): void;
  frame(frame: ServerFrame): void;
  /** The open transport is gone (whatever it had on the wire is unanswered). */
  closed(): void;
}

const LIVE: readonly ConnectionState[] = ['connecting', 'connected', 'reconnecting'];

/**
 * The connection state machine: one transport at a time, opened, watched by a heartbeat, and
 * replaced after a backoff when it fails. One `setState` reports every change; every async
 * continuation first checks its generation, so one from an abandoned attempt changes nothing.
 */
export class Connection {
  #state: ConnectionState = 'disconnected';
  #transport: Transport | undefined;
  /** Bumped on every attempt and every teardown. */
  #generation = 0;
  #transportIndex = 0;
  readonly #proven = new Set<TransportName>();
  #failedOpens = 0;
  #attempt = 0;
  #everConnected = false;
  #reconnectTimer: unknown;
  #stableTimer: unknown;
  #idleTimer: unknown;
  #deadTimer: unknown;
  #connectTimer: unknown;
  readonly #unsubscribeNetwork: () => void;

  constructor(
    private readonly o: ConnectionOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.#unsubscribeNetwork = o.network.subscribe((online) => this.onNetwork(online));
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The transport in use (or being tried). */
  get transport(): Transport | undefined {
    return this.#transport;
  }

  /** Changes whenever the connection does: compare before and after an await. */
  get generation(): number {
    return this.#generation;
  }

  connect(): void {
    if (LIVE.includes(this.#state)) return;
    if (!this.o.network.isOnline()) {
      this.setState('offline', { reason: 'network offline' });
      return;
    }
    this.setState(this.#everConnected ? 'reconnecting' : 'connecting');
    void this.attempt();
  }

  disconnect(): void {
    this.teardown();
    this.setState('disconnected', { code: CLOSE_CODES.normal, reason: 'disconnected by the app' });
  }

  close(): void {
    this.disconnect();
    this.#unsubscribeNetwork();
  }

  private async attempt(): Promise<void> {
    const generation = ++this.#generation;
    this.o.timers.clearTimeout(this.#reconnectTimer);
    const name = this.o.transports[this.#transportIndex % this.o.transports.length]!;
    let token: string | undefined;
    try {
      token = await this.o.tokens.get();
    } catch {
      if (generation !== this.#generation) return;
      this.lost(
        generation,
        { code: CLOSE_CODES.unauthenticated, reason: 'the token provider failed' },
        name,
        false,
      );
      return;
    }
    if (generation !== this.#generation || !LIVE.includes(this.#state)) return;

    let opened = false;
    const events: TransportEvents = {
      open: () => {
        if (generation !== this.#generation) return;
        opened = true;
        this.opened(generation, name);
      },
      frame: (frame) => {
        if (generation === this.#generation) this.hooks.frame(frame);
      },
      activity: () => {
        if (generation === this.#generation) this.armWatchdog();
      },
      close: (info) => {
        if (generation === this.#generation) this.lost(generation, info, name, opened);
      },
    };
    this.#transport = this.openTransport(name, token, events);
    this.#connectTimer = this.o.timers.setTimeout(() => {
      if (generation === this.#generation && !opened)
        this.lost(generation, { reason: 'connect timeout' }, name, false);
    }, this.o.connectTimeoutMs);
  }

  private openTransport(name: TransportName, token: string | undefined, events: TransportEvents): Transport {
    // The HTTP transports resume from a cursor sent with the request; the WebSocket asks once open.
    const cursor = () => encodeEventCursor({ seqs: this.hooks.cursors(), all: false });
    switch (name) {
      case 'websocket': {
        const url = new URL('/ws', `${this.o.api.baseUrl}/`);
        url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
        if (token !== undefined) url.searchParams.set('token', token);
        return openWebSocket(this.o.WebSocket!, url.toString(), events);
      }
      case 'sse':
        return openSse(this.o.api, { cursor: cursor(), heartbeatMs: this.o.heartbeat.intervalMs }, events);
      case 'long-poll':
        return openLongPoll(
          this.o.api,
          {
            cursor: cursor(),
            pollTimeoutMs: this.o.pollTimeoutMs,
            requestTimeoutMs: this.o.requestTimeoutMs,
          },
          events,
        );
    }
  }

  private opened(generation: number, name: TransportName): void {
    const transport = this.#transport!;
    this.o.timers.clearTimeout(this.#connectTimer);
    this.#failedOpens = 0;
    this.#proven.add(name);
    this.#everConnected = true;
    this.setState('connected', { transport: name });
    this.armWatchdog();
    this.o.timers.clearTimeout(this.#stableTimer);
    this.#stableTimer = this.o.timers.setTimeout(() => {
      if (generation === this.#generation) this.#attempt = 0;
    }, this.o.stableMs);
    // The server takes at most MAX_RESUME_CONVERSATIONS per frame: more go in several frames.
    const frames = transport.carriesFrames ? resumeFrames(this.hooks.cursors()) : [];
    for (const cursors of frames) transport.send({ type: 'resume', cursors });
    this.hooks.opened(transport, frames.length);
  }

  /** The connection failed or dropped: plan the next attempt. */
  private lost(
    generation: number,
    info: { code?: number; reason: string },
    name: TransportName,
    opened: boolean,
  ): void {
    if (generation !== this.#generation) return;
    this.#generation += 1;
    this.stopTransport();
    const refused = info.code === CLOSE_CODES.unauthenticated || info.code === 401;
    if (refused && !this.o.tokens.canRefresh) {
      this.setState('disconnected', { code: CLOSE_CODES.unauthenticated, reason: 'unauthenticated' });
      return;
    }
    if (!opened && !this.#proven.has(name)) {
      this.#failedOpens += 1;
      if (this.#failedOpens >= this.o.fallbackAfter && this.o.transports.length > 1) {
        // Never worked here: try the next transport (back to the first after the last).
        this.#transportIndex = (this.#transportIndex + 1) % this.o.transports.length;
        this.#failedOpens = 0;
      }
    }
    this.setState('reconnecting', {
      ...(info.code === undefined ? {} : { code: info.code }),
      reason: info.reason,
    });
    const delay = backoffDelay(this.#attempt, this.o.backoff, this.o.random);
    this.#attempt += 1;
    const next = this.#generation;
    this.#reconnectTimer = this.o.timers.setTimeout(() => {
      if (next !== this.#generation || this.#state !== 'reconnecting') return;
      if (!refused) {
        void this.attempt();
        return;
      }
      this.o.tokens.refresh('refused').then(
        () => void this.attempt(),
        () => {
          if (next !== this.#generation) return;
          this.setState('disconnected', {
            code: CLOSE_CODES.unauthenticated,
            reason: 'token refresh failed',
          });
        },
      );
    }, delay);
  }

  /** Closes the transport and every timer of the current connection, without changing state. */
  private stopTransport(): void {
    const transport = this.#transport;
    this.#transport = undefined;
    transport?.close();
    for (const timer of [this.#idleTimer, this.#deadTimer, this.#stableTimer, this.#connectTimer]) {
      this.o.timers.clearTimeout(timer);
    }
    this.#idleTimer = this.#deadTimer = this.#stableTimer = this.#connectTimer = undefined;
    if (transport) this.hooks.closed();
  }

  private teardown(): void {
    this.#generation += 1;
    this.o.timers.clearTimeout(this.#reconnectTimer);
    this.stopTransport();
  }

  private onNetwork(online: boolean): void {
    if (!online) {
      if (this.#state === 'disconnected' || this.#state === 'offline') return;
      this.teardown();
      this.setState('offline', { reason: 'network offline' });
      return;
    }
    if (this.#state !== 'offline') return;
    this.#attempt = 0;
    this.setState(this.#everConnected ? 'reconnecting' : 'connecting', { reason: 'network online' });
    void this.attempt();
  }

  /**
   * Heartbeat: after `intervalMs` of silence ask for a sign of life; after `timeoutMs` more, the
   * connection is dead though the socket looks open (half-open), and is replaced.
   */
  private armWatchdog(): void {
    this.o.timers.clearTimeout(this.#idleTimer);
    this.o.timers.clearTimeout(this.#deadTimer);
    this.#deadTimer = undefined;
    const generation = this.#generation;
    this.#idleTimer = this.o.timers.setTimeout(() => {
      const transport = this.#transport;
      if (generation !== this.#generation || !transport) return;
      transport.probe();
      // A long-poll is silent while it waits on the server, by design.
      const grace = this.o.heartbeat.timeoutMs + (transport.name === 'long-poll' ? this.o.pollTimeoutMs : 0);
      this.#deadTimer = this.o.timers.setTimeout(() => {
        if (generation !== this.#generation) return;
        this.lost(generation, { code: 4408, reason: 'heartbeat timeout' }, transport.name, true);
      }, grace);
    }, this.o.heartbeat.intervalMs);
  }

  private setState(to: ConnectionState, details: Omit<StateChange, 'from' | 'to'> = {}): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    const transport = details.transport ?? this.#transport?.name;
    this.hooks.state({ from, to, ...details, ...(transport ? { transport } : {}) });
  }
}

/** The cursors of a resume in frames of at most MAX_RESUME_CONVERSATIONS conversations (always one). */
export function resumeFrames(cursors: Record<string, number>): Array<Record<string, number>> {
  const entries = Object.entries(cursors);
  if (entries.length <= MAX_RESUME_CONVERSATIONS) return [cursors];
  const frames: Array<Record<string, number>> = [];
  for (let i = 0; i < entries.length; i += MAX_RESUME_CONVERSATIONS) {
    frames.push(Object.fromEntries(entries.slice(i, i + MAX_RESUME_CONVERSATIONS)));
  }
  return frames;
}
