import type {
  Attachment,
  ClientFrame,
  Conversation,
  Message,
  ReactionAddedEvent,
  ReactionRemovedEvent,
  ReadResponse,
  ServerFrame,
  User,
} from '@carechat/protocol';
import { deletedMessageFields } from '@carechat/protocol';
import { backoffDelay } from './backoff.js';
import { Connection } from './connection.js';
import { Emitter } from './emitter.js';
import { CarechatError } from './errors.js';
import type { ClientEvents, ConnectionState, SyncReport } from './events.js';
import { HttpApi } from './http-api.js';
import { type ClientOptions, tunables } from './options.js';
import { Outbox } from './outbox.js';
import { memoryOutboxStore, type OutboxEntry, webStorageOutboxStore } from './outbox-store.js';
import { defaultNetwork, defaultStorage, defaultWebSocket, systemTimers, type Timers } from './platform.js';
import { applyReactionChange } from './reactions.js';
import { Sender } from './sender.js';
import { type FillResult, MessageSync } from './sync.js';
import type { Timeline } from './timeline.js';
import { TokenSource } from './token-source.js';
import { TRANSPORTS, type TransportName } from './transports/transport.js';

export type { ClientOptions } from './options.js';

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
  /** Your own idempotency key; by default a random UUID. */
  clientMsgId?: string;
  /** Ids of uploads (see `uploadAttachment`) to send with the message; content may then be empty. */
  attachments?: string[];
}

/**
 * The carechat client: one connection for all of the user's conversations, kept alive across
 * network changes, with every message handed over once and in order, and every send kept until the
 * server has stored it. See docs/client.md.
 */
export class CarechatClient {
  readonly outbox: Outbox;
  readonly api: HttpApi;
  readonly #emitter: Emitter<ClientEvents>;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #tokens: TokenSource;
  readonly #sync: MessageSync;
  readonly #sender: Sender;
  readonly #connection: Connection;
  #knowsAllConversations = false;
  /** Conversations whose replay the server refused during the current resume. */
  #resumeErrors = new Set<string>();
  /** `resumed` answers still to come for the current resume (one per resume frame sent). */
  #resumesAwaited = 0;

  constructor(options: ClientOptions) {
    const t = tunables(options);
    this.#emitter = new Emitter<ClientEvents>(options.onListenerError ?? ((e) => console.error(e)));
    const timers = options.timers ?? systemTimers;
    const random = options.random ?? Math.random;
    this.#timers = timers;
    this.#random = random;
    this.#tokens = new TokenSource(options.token, options.getToken, () => timers.now());
    const WebSocket = options.WebSocket ?? defaultWebSocket();
    const transports = (options.transports ?? [...TRANSPORTS]).filter(
      (name) => name !== 'websocket' || WebSocket !== undefined,
    );
    if (transports.length === 0) throw new Error('no usable transport (pass a WebSocket constructor?)');
    const fetch = options.fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));
    this.api = new HttpApi({
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      fetch,
      timers,
      tokens: this.#tokens,
      timeoutMs: t.requestTimeoutMs,
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
    const storage = options.storage ?? defaultStorage();
    const store =
      options.outboxStore ??
      (storage
        ? webStorageOutboxStore(storage, options.storageKey ?? 'carechat:outbox')
        : memoryOutboxStore());
    this.outbox = new Outbox(
      store,
      (change) => this.#emitter.emit('outbox', change),
      () => this.#tokens.subject(),
    );
    this.#sync = new MessageSync({
      api: this.api,
      timers,
      gapWaitMs: t.gapWaitMs,
      onMessage: (message) => this.#emitter.emit('message', message),
      onLost: () => {},
    });
    this.#sender = new Sender({
      outbox: this.outbox,
      api: this.api,
      timers,
      maxInFlight: t.maxInFlight,
      sendTimeoutMs: t.sendTimeoutMs,
      retryDelayMs: () => 200 + backoffDelay(1, t.backoff, random),
      onStored: (message) => this.#sync.ingest(message),
    });
    this.#connection = new Connection(
      {
        api: this.api,
        tokens: this.#tokens,
        timers,
        random,
        network: options.network ?? defaultNetwork(),
        WebSocket,
        transports,
        backoff: t.backoff,
        stableMs: t.stableMs,
        heartbeat: t.heartbeat,
        connectTimeoutMs: t.connectTimeoutMs,
        requestTimeoutMs: t.requestTimeoutMs,
        pollTimeoutMs: t.pollTimeoutMs,
        fallbackAfter: t.fallbackAfter,
      },
      {
        cursors: () => this.#sync.cursors(),
        state: (change) => this.#emitter.emit('state', change),
        opened: (transport, resumeFrames) => {
          this.#resumeErrors = new Set();
          this.#resumesAwaited = resumeFrames;
          this.#sender.start(transport);
        },
        frame: (frame) => this.onFrame(frame),
        closed: () => this.#sender.stop(),
      },
    );
    if (options.autoConnect !== false) this.connect();
  }

  get state(): ConnectionState {
    return this.#connection.state;
  }

  /** The transport in use (or being tried). */
  get transport(): TransportName | undefined {
    return this.#connection.transport?.name;
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
    this.#connection.connect();
  }

  /** Closes the connection and stays closed until `connect()`. Unsent messages stay in the outbox. */
  disconnect(): void {
    this.#connection.disconnect();
  }

  /** Disconnects for good: timers, listeners and the network subscription are released. */
  close(): void {
    this.#connection.close();
    this.#sync.close();
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
      created_at: new Date(this.#timers.now()).toISOString(),
      status: 'pending',
      attempts: 0,
      owner: this.#tokens.subject() ?? null,
      ...(options.attachments?.length ? { attachments: options.attachments.map((id) => ({ id })) } : {}),
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

  /** Best effort, like typing: staff tell colleagues they have the conversation open (refresh within its ttl). */
  setViewing(conversationId: string, isViewing: boolean): void {
    this.sendBestEffort({ type: 'viewing', conversation_id: conversationId, is_viewing: isViewing });
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

  /** A frame over the socket when there is one, else over HTTP; never kept or retried. */
  private sendBestEffort(frame: ClientFrame): void {
    const transport = this.#connection.transport;
    if (transport?.carriesFrames && this.#connection.state === 'connected') {
      transport.send(frame);
      return;
    }
    this.api.postFrame(frame).catch(() => {});
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
        this.applyUpdate(frame.conversation_id, frame.message_id, deletedMessageFields());
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
        // A resume sent in several frames is over with its last `resumed`.
        if (this.#resumesAwaited > 1) {
          this.#resumesAwaited--;
          return;
        }
        this.#resumesAwaited = 0;
        void this.afterResume(this.#connection.generation);
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
    const name = this.#connection.transport?.name;
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
    if (generation !== this.#connection.generation) return;
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
