import { encodeEventCursor, type Message, type ServerFrame } from '@carechat/protocol';
import type { TestUser } from '../helpers/http.js';
import { TestEventStream } from '../helpers/sse.js';
import type { DoorDriver, DoorSession, DoorTarget, LiveEvent } from './door.js';
import { FrameActions } from './http-actions.js';
import { Inbox } from './inbox.js';
import { liveEventOfFrame } from './ws-driver.js';

type Frame = ServerFrame & Record<string, unknown>;

/** Where a fallback transport's frames come from: an SSE stream or a long-poll loop. */
interface EventSource {
  readonly frames: readonly ServerFrame[];
  listening?(): Promise<void>;
  close(): Promise<void>;
}

/** A device on a fallback transport: events from `source`, actions as `POST /api/frames`. */
class EventSession extends FrameActions implements DoorSession {
  readonly #inbox: Inbox<Frame>;

  constructor(
    url: string,
    user: TestUser,
    private readonly source: EventSource,
  ) {
    super(url, user);
    this.#inbox = new Inbox(() => source.frames as Frame[]);
  }

  async next(type: LiveEvent['type'], match: (event: LiveEvent) => boolean = () => true, timeoutMs = 5000) {
    const frame = await this.#inbox.take(
      (f) => {
        const event = liveEventOfFrame(f);
        return event?.type === type && match(event);
      },
      timeoutMs,
      type,
    );
    return liveEventOfFrame(frame)!;
  }

  async listening(): Promise<void> {
    await this.source.listening?.();
  }

  close(): Promise<void> {
    return this.source.close();
  }
}

/** The messages of one conversation a catch-up replayed, before its end (`resumed`, if sent). */
function replayedOf(frames: readonly ServerFrame[], conversationId: string): Message[] {
  const end = frames.findIndex((f) => f.type === 'resumed');
  return (end < 0 ? frames : frames.slice(0, end))
    .filter((f) => f.type === 'chat_message' && f.conversation_id === conversationId)
    .map((f) => {
      const { type: _type, ...message } = f as Frame;
      return message as unknown as Message;
    });
}

const FALLBACK_NOT_OFFERED = {
  start:
    'the fallback transports carry /ws frames, and no frame starts a conversation; clients use POST /api/conversations',
};

function cursorAfter(conversationId: string, afterSeq: number): string {
  return encodeEventCursor({ seqs: { [conversationId]: afterSeq }, all: false });
}

/** Server-Sent Events (`GET /api/events/stream`) + `POST /api/frames`. */
export function sseDriver(target: DoorTarget): DoorDriver {
  async function open(user: TestUser) {
    const stream = await TestEventStream.open(target.url, { bearer: user.token });
    // The response starts before the server subscribes; `resumed` says the subscription is there.
    await stream.next('resumed');
    return new EventSession(target.url, user, stream);
  }
  return {
    name: 'Server-Sent Events + POST /api/frames',
    notOffered: FALLBACK_NOT_OFFERED,
    oversizeRefusal: 'http 413 message_too_large',
    async connect(user) {
      return { ok: true, value: await open(user) };
    },
    async resume(user, conversationId, afterSeq) {
      const stream = await TestEventStream.open(target.url, {
        bearer: user.token,
        cursor: cursorAfter(conversationId, afterSeq),
      });
      await stream.next('resumed');
      return {
        replayed: replayedOf(stream.frames, conversationId),
        session: new EventSession(target.url, user, stream),
      };
    },
  };
}

/**
 * How long a poll must have been outstanding before the server surely holds it open. 100 ms was
 * too short under the full suite on two cores: a typing frame went out before the server had
 * read the poll, and was not kept (CI, 2026-11-28).
 */
const LISTENING_MS = 400;

/** A long-poll client: `GET /api/events?cursor=…` again and again, each answer's cursor next. */
class LongPoll implements EventSource {
  readonly frames: ServerFrame[] = [];
  readonly #abort = new AbortController();
  #loop: Promise<void> = Promise.resolve();
  /** When the poll now waiting at the server was sent (undefined between two polls). */
  #pollingSince: number | undefined;

  constructor(
    private readonly url: string,
    private readonly user: TestUser,
  ) {}

  /** Polls once at `cursor` (none: the current position, no events) and keeps polling. */
  async start(cursor?: string): Promise<void> {
    const first = await this.poll(cursor, 0);
    this.#loop = this.run(first);
  }

  private async run(cursor: string): Promise<void> {
    let at = cursor;
    while (!this.#abort.signal.aborted) {
      try {
        this.#pollingSince = Date.now();
        at = await this.poll(at, 20_000);
        this.#pollingSince = undefined;
      } catch {
        return;
      }
    }
  }

  /**
   * Events other than messages that happen between two polls are not kept by the server (the
   * cursor holds only message seqs; docs/protocol.md "GET /api/events"), so a test that wants one
   * delivered waits until a poll has been waiting at the server for a moment.
   */
  async listening(): Promise<void> {
    const deadline = Date.now() + 5000;
    while (this.#pollingSince === undefined || Date.now() - this.#pollingSince < LISTENING_MS) {
      if (Date.now() > deadline) throw new Error('the long-poll never waited at the server');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private async poll(cursor: string | undefined, timeoutMs: number): Promise<string> {
    const params = new URLSearchParams({ timeout_ms: String(timeoutMs) });
    if (cursor) params.set('cursor', cursor);
    const res = await fetch(`${this.url}/api/events?${params}`, {
      headers: { authorization: `Bearer ${this.user.token}` },
      signal: this.#abort.signal,
    });
    if (res.status !== 200) throw new Error(`long-poll answered ${res.status}`);
    const body = (await res.json()) as { events: ServerFrame[]; cursor: string };
    this.frames.push(...body.events);
    return body.cursor;
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }
}

/** Long-polling (`GET /api/events`) + `POST /api/frames`: seed 000's polling clients. */
export function longPollDriver(target: DoorTarget): DoorDriver {
  return {
    name: 'long-poll GET /api/events + POST /api/frames',
    notOffered: FALLBACK_NOT_OFFERED,
    oversizeRefusal: 'http 413 message_too_large',
    async connect(user) {
      const poll = new LongPoll(target.url, user);
      await poll.start();
      return { ok: true, value: new EventSession(target.url, user, poll) };
    },
    async resume(user, conversationId, afterSeq) {
      const poll = new LongPoll(target.url, user);
      await poll.start(cursorAfter(conversationId, afterSeq));
      return {
        replayed: replayedOf(poll.frames, conversationId),
        session: new EventSession(target.url, user, poll),
      };
    },
  };
}
