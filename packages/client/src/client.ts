import {
  type Attachment,
  CLOSE_CODES,
  type ClientFrame,
  type Conversation,
  encodeEventCursor,
  type Message,
  type ReactionAddedEvent,
  type ReactionRemovedEvent,
  type ReadResponse,
  type ServerFrame,
  type User,
} from '@carechat/protocol';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { Emitter } from './emitter.js';
import { CarechatError } from './errors.js';
import type { ClientEvents, ConnectionState, StateChange, SyncReport } from './events.js';
import { HttpApi } from './http-api.js';
import { Outbox } from './outbox.js';
import {
  memoryOutboxStore,
  type OutboxEntry,
  type OutboxStore,
  webStorageOutboxStore,
} from './outbox-store.js';
import {
  defaultNetwork,
  defaultStorage,
  defaultWebSocket,
  type FetchLike,
  type KeyValueStorage,
  type NetworkSignal,
  systemTimers,
  type Timers,
  type WebSocketConstructor,
} from './platform.js';
import { applyReactionChange } from './reactions.js';
import { Sender } from './sender.js';
import { type FillResult, MessageSync } from './sync.js';
import type { Timeline } from './timeline.js';
import { type TokenProvider, TokenSource } from './token-source.js';
import { openLongPoll } from './transports/long-poll.js';
import { openSse } from './transports/sse.js';
import {
  TRANSPORTS,
  type Transport,
  type TransportEvents,
  type TransportName,
} from './transports/transport.js';
import { openWebSocket } from './transports/websocket.js';

export interface ClientOptions {
  /** The server, e.g. `https://chat.example.com` (no trailing slash needed). */
  baseUrl: string;
  /** A fixed access token. */
  token?: string;
  /** Or a provider, called for the first token and again when one expires or is refused. */
  getToken?: TokenProvider;
  /** Transports in order of preference (default all: websocket, then sse, then long-poll). */
  transports?: TransportName[];
  /** The WebSocket constructor (default: the global one; in Node 20 pass `ws`'s). */
  WebSocket?: WebSocketConstructor;
  fetch?: FetchLike;
  timers?: Timers;
  random?: () => number;
  /** Online/offline signal (default: the browser's; always online elsewhere). */
  network?: NetworkSignal;
  /** Where the outbox survives a reload (default: localStorage in browsers, memory in Node). */
  outboxStore?: OutboxStore;
  storage?: KeyValueStorage;
  /** Key of the outbox in `storage`; give one per signed-in user. */
  storageKey?: string;
  /** fetch `credentials` (e.g. 'include' for a cookie session on another origin). */
  credentials?: RequestCredentials;
  backoff?: Partial<BackoffOptions> & {
    /** A connection that lasts this long resets the backoff. */
    stableMs?: number;
  };
  heartbeat?: {
    /** Silence longer than this makes the client ask for a sign of life. */
    intervalMs?: number;
    /** And if none comes within this, the connection is dead (half-open) and replaced. */
    timeoutMs?: number;
  };
  /** HTTP requests (history, sends over HTTP) are abandoned after this. */
  requestTimeoutMs?: number;
  /** A connection attempt that has not opened after this is abandoned (a black-holed network). */
  connectTimeoutMs?: number;
  /** A send unacknowledged for this long goes out again (same client_msg_id). */
  sendTimeoutMs?: number;
  maxInFlight?: number;
  /** How long a gap may wait for the live stream before history is asked. */
  gapWaitMs?: number;
  /** How long one long-poll waits on the server. */
  pollTimeoutMs?: number;
  /** Failed attempts of a transport that never worked before the next one is tried. */
  fallbackAfter?: number;
  /** Connect on creation (default true). */
  autoConnect?: boolean;
  /** Where exceptions thrown by event listeners go (default console.error). */
  onListenerError?: (error: unknown) => void;
}

/** A conversation as this client holds it. */
export interface ConversationView {
  readonly id: string;
  /** Held messages, oldest first (no gaps from where tracking began). */
  readonly messages: readonly Message[];
  /** The last seq held with nothing missing before it; undefined until tracked. */
  readonly lastSeq: number | undefined;
  /** This conversation's sends not yet acknowledged (pending, sending or failed). */
  readonly pending: OutboxEntry[];
  /** Loads the newest page and starts tracking from it (if not tracking yet). */
  loadLatest(limit?: number): Promise<readonly Message[]>;
  /** Loads the page before the oldest held message; false when there is nothing older. */
  loadOlder(limit?: number): Promise<boolean>;
}

export interface SendOptions {
  replyTo?: string | null;
  /** Ids of uploads (see `uploadAttachment`) to send with the message; content may then be empty. */
  attachments?: string[];
  /** Your own idempotency key; by default a random UUID. */
  clientMsgId?: string;
}

const LIVE: readonly ConnectionState[] = ['connecting', 'connected', 'reconnecting'];

/**
 * The carechat client: one connection for all of the user's conversations, kept alive across
 * network changes, with every message handed over once and in order, and every send kept until the
 * server has stored it. See docs/client.md.
 */
export class CarechatClient {
  readonly outbox: Outbox;
  readonly api: HttpApi;
  readonly #o: Required<
    Pick<
      ClientOptions,
      | 'requestTimeoutMs'
      | 'connectTimeoutMs'
      | 'sendTimeoutMs'
      | 'maxInFlight'
      | 'gapWaitMs'
      | 'pollTimeoutMs'
      | 'fallbackAfter'
    >
  >;
  readonly #emitter: Emitter<ClientEvents>;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #network: NetworkSignal;
  readonly #tokens: TokenSource;
  readonly #WebSocket: WebSocketConstructor | undefined;
  readonly #transports: TransportName[];
  readonly #backoff: Required<BackoffOptions>;
  readonly #stableMs: number;
  readonly #heartbeat: { intervalMs: number; timeoutMs: number };
  readonly #sync: MessageSync;
  readonly #sender: Sender;
  readonly #unsubscribeNetwork: () => void;

  #state: ConnectionState = 'disconnected';
  #transport: Transport | undefined;
  /** Bumped on every attempt and every teardown: a continuation from an older one does nothing. */
  #generation = 0;
  #transportIndex = 0;
  readonly #proven = new Set<TransportName>();
  #failedOpens = 0;
  #attempt = 0;
  #everConnected = false;
  #knowsAllConversations = false;
  /** Conversations whose replay the server refused during the current resume. */
  #resumeErrors = new Set<string>();
  #reconnectTimer: unknown;
  #stableTimer: unknown;
  #idleTimer: unknown;
  #deadTimer: unknown;
  #connectTimer: unknown;

  constructor(options: ClientOptions) {
    this.#emitter = new Emitter<ClientEvents>(options.onListenerError ?? ((e) => console.error(e)));
    this.#timers = options.timers ?? systemTimers;
    this.#random = options.random ?? Math.random;
    this.#network = options.network ?? defaultNetwork();
    this.#tokens = new TokenSource(options.token, options.getToken, () => this.#timers.now());
    this.#WebSocket = options.WebSocket ?? defaultWebSocket();
    const wanted = options.transports ?? [...TRANSPORTS];
    this.#transports = wanted.filter((t) => t !== 'websocket' || this.#WebSocket !== undefined);
    if (this.#transports.length === 0) throw new Error('no usable transport (pass a WebSocket constructor?)');
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#stableMs = options.backoff?.stableMs ?? 10_000;
    this.#heartbeat = { intervalMs: 20_000, timeoutMs: 10_000, ...options.heartbeat };
    this.#o = {
      requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
      sendTimeoutMs: options.sendTimeoutMs ?? 15_000,
      maxInFlight: options.maxInFlight ?? 64,
      gapWaitMs: options.gapWaitMs ?? 500,
      pollTimeoutMs: options.pollTimeoutMs ?? 25_000,
      fallbackAfter: options.fallbackAfter ?? 2,
    };
    const fetch = options.fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));
    this.api = new HttpApi({
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      fetch,
      timers: this.#timers,
      tokens: this.#tokens,
      timeoutMs: this.#o.requestTimeoutMs,
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
    const storage = options.storage ?? defaultStorage();
    const store =
      options.outboxStore ??
      (storage
        ? webStorageOutboxStore(storage, options.storageKey ?? 'carechat:outbox')
        : memoryOutboxStore());
    this.outbox = new Outbox(store, (change) => this.#emitter.emit('outbox', change));
    this.#sync = new MessageSync({
      api: this.api,
      timers: this.#timers,
      gapWaitMs: this.#o.gapWaitMs,
      onMessage: (message) => this.#emitter.emit('message', message),
      onLost: () => {},
    });
    this.#sender = new Sender({
      outbox: this.outbox,
      api: this.api,
      timers: this.#timers,
      maxInFlight: this.#o.maxInFlight,
      sendTimeoutMs: this.#o.sendTimeoutMs,
      retryDelayMs: () => 200 + backoffDelay(1, this.#backoff, this.#random),
      onStored: (message) => this.#sync.ingest(message),
    });
    this.#unsubscribeNetwork = this.#network.subscribe((online) => this.onNetwork(online));
    if (options.autoConnect !== false) this.connect();
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The transport in use (or being tried). */
  get transport(): TransportName | undefined {
    return this.#transport?.name;
  }

  on<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): () => void {
    return this.#emitter.on(event, listener);
  }

  once<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): () => void {
    return this.#emitter.once(event, listener);
  }

  off<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): void {
    this.#emitter.off(event, listener);
  }

  connect(): void {
    if (LIVE.includes(this.#state)) return;
    if (!this.#network.isOnline()) {
      this.setState('offline', { reason: 'network offline' });
      return;
    }
    this.setState(this.#everConnected ? 'reconnecting' : 'connecting');
    void this.attempt();
  }

  /** Closes the connection and stays closed until `connect()`. Unsent messages stay in the outbox. */
  disconnect(): void {
    this.teardown();
    this.setState('disconnected', { code: CLOSE_CODES.normal, reason: 'disconnected by the app' });
  }

  /** Disconnects for good: timers, listeners and the network subscription are released. */
  close(): void {
    this.disconnect();
    this.#sync.close();
    this.#unsubscribeNetwork();
    this.#emitter.removeAll();
  }

  /**
   * Sends a message. Resolves with the stored message once the server has it (however many
   * reconnects that takes); rejects only when the server refuses it for good (the entry then
   * stays in the outbox as `failed`).
   */
  send(conversationId: string, content: string, options: SendOptions = {}): Promise<Message> {
    const settled = this.outbox.add({
      client_msg_id: options.clientMsgId ?? randomId(this.#random),
      conversation_id: conversationId,
      content,
      reply_to: options.replyTo ?? null,
      ...(options.attachments?.length ? { attachments: options.attachments.map((id) => ({ id })) } : {}),
      created_at: new Date(this.#timers.now()).toISOString(),
      status: 'pending',
      attempts: 0,
    });
    this.#sender.flush();
    return settled;
  }

  /** A failed send goes out again (same client_msg_id); resolves with the stored message. */
  retry(clientMsgId: string): Promise<Message> {
    const settled = this.outbox.retry(clientMsgId);
    this.#sender.flush();
    return settled;
  }

  conversation(conversationId: string): ConversationView {
    const timeline = this.#sync.timeline(conversationId);
    const client = this;
    return {
      id: conversationId,
      get messages() {
        return timeline.messages;
      },
      get lastSeq() {
        return timeline.lastSeq;
      },
      get pending() {
        return client.outbox.entries.filter((e) => e.conversation_id === conversationId);
      },
      loadLatest: (limit = 50) => this.loadLatest(timeline, limit),
      loadOlder: (limit = 50) => this.loadOlder(timeline, limit),
    };
  }

  /**
   * The user's conversations (newest activity first). Starts tracking each from its current last
   * seq, and from then on conversations created while disconnected are found on reconnect.
   */
  async conversations(): Promise<Conversation[]> {
    const list = await this.api.conversations();
    for (const conversation of list) this.#sync.timeline(conversation.id).position(conversation.last_seq);
    this.#knowsAllConversations = true;
    return list;
  }

  /**
   * Tracks a conversation from `afterSeq` (0: every message it has): the messages after it are
   * loaded and handed over as `message` events, then live ones follow.
   */
  async track(conversationId: string, afterSeq = 0): Promise<FillResult> {
    this.#sync.timeline(conversationId).position(afterSeq);
    return this.#sync.fill(conversationId);
  }

  me(): Promise<User> {
    return this.api.me();
  }

  /** Best effort: typing is not kept or retried. */
  setTyping(conversationId: string, isTyping: boolean): void {
    this.sendBestEffort({ type: 'typing_indicator', conversation_id: conversationId, is_typing: isTyping });
  }

  /**
   * Tells the senders this device has received the conversation's messages up to `seq` (their
   * "delivered" tick). Best effort: the marker only moves forward, so a lost one is made good by
   * the next.
   */
  markDelivered(conversationId: string, seq: number): void {
    this.sendBestEffort({ type: 'delivery_receipt', conversation_id: conversationId, seq });
  }

  addReaction(messageId: string, emoji: string): Promise<void> {
    return this.api.setReaction(messageId, emoji, true);
  }

  removeReaction(messageId: string, emoji: string): Promise<void> {
    return this.api.setReaction(messageId, emoji, false);
  }

  /** Uploads a file to a conversation; send it with `send(…, { attachments: [attachment.id] })`. */
  uploadAttachment(conversationId: string, file: Blob, name: string): Promise<Attachment> {
    return this.api.uploadAttachment(conversationId, file, name);
  }

  markRead(conversationId: string, seq: number): Promise<ReadResponse> {
    return this.api.markRead(conversationId, seq);
  }

  async editMessage(messageId: string, content: string): Promise<Message> {
    const message = await this.api.editMessage(messageId, content);
    this.applyUpdate(message.conversation_id, message.message_id, message);
    return message;
  }

  async deleteMessage(messageId: string): Promise<Message> {
    const message = await this.api.deleteMessage(messageId);
    this.applyUpdate(message.conversation_id, message.message_id, message);
    return message;
  }

  /** A frame over the socket when there is one, else over HTTP; never kept or retried. */
  private sendBestEffort(frame: ClientFrame): void {
    if (this.#transport?.carriesFrames && this.#state === 'connected') {
      this.#transport.send(frame);
      return;
    }
    this.api.postFrame(frame).catch(() => {});
  }

  // ── connection lifecycle ───────────────────────────────────────────────────────────────────

  private async attempt(): Promise<void> {
    const generation = ++this.#generation;
    this.#timers.clearTimeout(this.#reconnectTimer);
    const name = this.#transports[this.#transportIndex % this.#transports.length]!;
    let token: string | undefined;
    try {
      token = await this.#tokens.get();
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
        if (generation === this.#generation) this.onFrame(frame);
      },
      activity: () => {
        if (generation === this.#generation) this.armWatchdog();
      },
      close: (info) => {
        if (generation === this.#generation) this.lost(generation, info, name, opened);
      },
    };
    this.#transport = this.openTransport(name, token, events);
    this.#connectTimer = this.#timers.setTimeout(() => {
      if (generation === this.#generation && !opened)
        this.lost(generation, { reason: 'connect timeout' }, name, false);
    }, this.#o.connectTimeoutMs);
  }

  private openTransport(name: TransportName, token: string | undefined, events: TransportEvents): Transport {
    const cursor = () => encodeEventCursor({ seqs: this.#sync.cursors(), all: false });
    switch (name) {
      case 'websocket': {
        const url = new URL('/ws', `${this.api.baseUrl}/`);
        url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
        if (token !== undefined) url.searchParams.set('token', token);
        return openWebSocket(this.#WebSocket!, url.toString(), events);
      }
      case 'sse':
        return openSse(this.api, { cursor: cursor(), heartbeatMs: this.#heartbeat.intervalMs }, events);
      case 'long-poll':
        return openLongPoll(
          this.api,
          {
            cursor: cursor(),
            pollTimeoutMs: this.#o.pollTimeoutMs,
            requestTimeoutMs: this.#o.requestTimeoutMs,
          },
          events,
        );
    }
  }

  private opened(generation: number, name: TransportName): void {
    this.#timers.clearTimeout(this.#connectTimer);
    this.#failedOpens = 0;
    this.#proven.add(name);
    this.#everConnected = true;
    this.#resumeErrors = new Set();
    this.setState('connected', { transport: name });
    this.armWatchdog();
    this.#timers.clearTimeout(this.#stableTimer);
    this.#stableTimer = this.#timers.setTimeout(() => {
      if (generation === this.#generation) this.#attempt = 0;
    }, this.#stableMs);
    // On a WebSocket the client asks to resume; the HTTP transports resumed from the cursor they sent.
    if (this.#transport?.carriesFrames)
      this.#transport.send({ type: 'resume', cursors: this.#sync.cursors() });
    this.#sender.start(this.#transport!);
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
    this.stopConnection();
    const refused = info.code === CLOSE_CODES.unauthenticated || info.code === 401;
    if (refused && !this.#tokens.canRefresh) {
      this.setState('disconnected', { code: CLOSE_CODES.unauthenticated, reason: 'unauthenticated' });
      return;
    }
    if (!opened && !this.#proven.has(name)) {
      this.#failedOpens += 1;
      if (this.#failedOpens >= this.#o.fallbackAfter && this.#transports.length > 1) {
        // Never worked here: try the next transport (back to the first after the last).
        this.#transportIndex = (this.#transportIndex + 1) % this.#transports.length;
        this.#failedOpens = 0;
      }
    }
    this.setState('reconnecting', {
      ...(info.code === undefined ? {} : { code: info.code }),
      reason: info.reason,
    });
    const delay = backoffDelay(this.#attempt, this.#backoff, this.#random);
    this.#attempt += 1;
    const next = this.#generation;
    this.#reconnectTimer = this.#timers.setTimeout(() => {
      if (next !== this.#generation || this.#state !== 'reconnecting') return;
      if (refused) {
        this.#tokens.refresh('refused').then(
          () => void this.attempt(),
          () =>
            this.setState('disconnected', {
              code: CLOSE_CODES.unauthenticated,
              reason: 'token refresh failed',
            }),
        );
        return;
      }
      void this.attempt();
    }, delay);
  }

  /** Closes the transport and every timer of the current connection, without changing state. */
  private stopConnection(): void {
    const transport = this.#transport;
    this.#transport = undefined;
    transport?.close();
    this.#sender.stop();
    for (const timer of [this.#idleTimer, this.#deadTimer, this.#stableTimer])
      this.#timers.clearTimeout(timer);
    this.#idleTimer = this.#deadTimer = this.#stableTimer = undefined;
  }

  private teardown(): void {
    this.#generation += 1;
    this.#timers.clearTimeout(this.#reconnectTimer);
    this.stopConnection();
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
    this.#timers.clearTimeout(this.#idleTimer);
    this.#timers.clearTimeout(this.#deadTimer);
    this.#deadTimer = undefined;
    const generation = this.#generation;
    this.#idleTimer = this.#timers.setTimeout(() => {
      if (generation !== this.#generation || !this.#transport) return;
      this.#transport.probe();
      const grace =
        this.#heartbeat.timeoutMs + (this.#transport.name === 'long-poll' ? this.#o.pollTimeoutMs : 0);
      this.#deadTimer = this.#timers.setTimeout(() => {
        if (generation !== this.#generation || !this.#transport) return;
        this.lost(generation, { code: 4408, reason: 'heartbeat timeout' }, this.#transport.name, true);
      }, grace);
    }, this.#heartbeat.intervalMs);
  }

  private setState(to: ConnectionState, details: Omit<StateChange, 'from' | 'to'> = {}): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    const transport = details.transport ?? this.#transport?.name;
    this.#emitter.emit('state', { from, to, ...details, ...(transport ? { transport } : {}) });
  }

  // ── frames ────────────────────────────────────────────────────────────────────────────────

  private onFrame(frame: ServerFrame): void {
    this.#emitter.emit('frame', frame);
    this.#emitter.emit(frame.type, frame as never);
    switch (frame.type) {
      case 'chat_message':
      case 'message_sent': {
        const { type: _type, ...message } = frame;
        this.#sync.ingest(message);
        // Our own message, acknowledged or replayed after a reconnect: the send is done.
        if (frame.type === 'message_sent' || message.sender_id === this.#tokens.subject()) {
          this.#sender.acknowledged(message);
        }
        return;
      }
      case 'message_edited':
        this.applyUpdate(frame.conversation_id, frame.message_id, {
          content: frame.content,
          is_edited: true,
        });
        return;
      case 'message_deleted':
        this.applyUpdate(frame.conversation_id, frame.message_id, {
          content: '',
          is_deleted: true,
          attachments: [],
        });
        return;
      case 'reaction_added':
      case 'reaction_removed':
        this.applyReaction(frame);
        return;
      case 'conversation_created':
        // New to everyone: all of its messages are new to us.
        this.#sync.timeline(frame.conversation.id).position(0);
        return;
      case 'resumed':
        void this.afterResume(this.#generation);
        return;
      case 'error':
        this.onErrorFrame(frame);
        return;
      default:
        return;
    }
  }

  private onErrorFrame(frame: Extract<ServerFrame, { type: 'error' }>): void {
    if (frame.ref === undefined) return;
    const error = new CarechatError(frame.code, frame.message);
    if (this.#sender.refused(frame.ref, error)) return;
    if (this.#sync.has(frame.ref)) this.#resumeErrors.add(frame.ref);
  }

  /**
   * The server has replayed what we missed. Whatever it could not (refused conversations, holes)
   * is filled from history; then, if the app listed its conversations, new ones are picked up.
   */
  private async afterResume(generation: number): Promise<void> {
    const name = this.#transport?.name;
    if (!name) return;
    const lost: string[] = [];
    const failed: string[] = [];
    const toFill = new Set(this.#resumeErrors);
    for (const [id] of Object.entries(this.#sync.cursors())) {
      if (this.#sync.timeline(id).hasGap) toFill.add(id);
    }
    const results = await Promise.all(
      [...toFill].map(async (id) => [id, await this.#sync.fill(id)] as const),
    );
    for (const [id, result] of results) {
      if (result === 'lost') lost.push(id);
      if (result === 'failed') failed.push(id);
    }
    if (this.#knowsAllConversations) {
      try {
        await this.discoverConversations();
      } catch {
        failed.push('*');
      }
    }
    if (generation !== this.#generation) return;
    const report: SyncReport = {
      transport: name,
      recovered: lost.length === 0 && failed.length === 0,
      lost,
      failed,
    };
    this.#emitter.emit('synced', report);
  }

  /** Conversations created while we were away: announced, and loaded from their first message. */
  private async discoverConversations(): Promise<void> {
    const list = await this.api.conversations();
    const fills: Array<Promise<FillResult>> = [];
    for (const conversation of list) {
      if (this.#sync.has(conversation.id)) continue;
      this.#sync.timeline(conversation.id).position(0);
      this.onFrame({ type: 'conversation_created', conversation });
      fills.push(this.#sync.fill(conversation.id));
    }
    await Promise.all(fills);
  }

  /** Reaction summaries are per viewer: `mine` is true when the reaction is this user's. */
  private applyReaction(frame: ReactionAddedEvent | ReactionRemovedEvent): void {
    const held = this.#sync
      .timeline(frame.conversation_id)
      .messages.find((m) => m.message_id === frame.message_id);
    if (!held) return;
    const reactions = applyReactionChange(held.reactions ?? [], frame, this.#tokens.subject());
    this.applyUpdate(frame.conversation_id, frame.message_id, { reactions });
  }

  private applyUpdate(conversationId: string, messageId: string, change: Partial<Message>): void {
    const updated = this.#sync.timeline(conversationId).update(messageId, change);
    if (updated) this.#emitter.emit('message_updated', updated);
  }

  private async loadLatest(timeline: Timeline, limit: number): Promise<readonly Message[]> {
    const page = await this.api.history(timeline.conversationId, { limit });
    const last = page.messages[page.messages.length - 1];
    if (!timeline.isPositioned) timeline.position(last?.seq ?? 0);
    timeline.prepend(page.messages.filter((m) => m.seq <= (timeline.lastSeq ?? 0)));
    for (const message of page.messages)
      if (message.seq > (timeline.lastSeq ?? 0)) this.#sync.ingest(message);
    return timeline.messages;
  }

  private async loadOlder(timeline: Timeline, limit: number): Promise<boolean> {
    const before = timeline.firstSeq ?? (timeline.lastSeq ?? 0) + 1;
    if (before <= 1) return false;
    const page = await this.api.history(timeline.conversationId, { beforeSeq: before, limit });
    timeline.prepend(page.messages);
    return page.has_more;
  }
}

/** Creates a client (and connects, unless `autoConnect: false`). */
export function createClient(options: ClientOptions): CarechatClient {
  return new CarechatClient(options);
}

function randomId(random: () => number): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (crypto?.randomUUID) return crypto.randomUUID();
  let id = '';
  for (let i = 0; i < 32; i++) id += Math.floor(random() * 16).toString(16);
  return id;
}
