import type { HistoryResponse, Message } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';

/**
 * Seed 000's clients: they POST messages and GET history every few seconds. They keep working,
 * and the way docs/protocol.md tells them to poll (after_seq, not comparing counts) misses nothing.
 */

/** A poller as docs/protocol.md describes it: remember the last seq, ask for what comes after. */
class SeqPoller {
  readonly seen: Message[] = [];
  lastSeq = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly user: TestUser,
    private readonly conversationId: string,
  ) {}

  /** One poll tick: every page after the last seq held. */
  async poll(): Promise<Message[]> {
    const fresh: Message[] = [];
    for (;;) {
      const res = await request<HistoryResponse>(
        this.baseUrl,
        'GET',
        `/api/conversations/${this.conversationId}/messages?after_seq=${this.lastSeq}&limit=50`,
        { token: this.user.token },
      );
      expect(res.status).toBe(200);
      for (const message of res.body.messages) {
        fresh.push(message);
        this.lastSeq = message.seq;
      }
      if (!res.body.has_more) break;
    }
    this.seen.push(...fresh);
    return fresh;
  }
}

/** The seed's poller: fetch the (latest page of) messages and compare how many there are. */
class CountPoller {
  count = 0;
  constructor(
    private readonly baseUrl: string,
    private readonly user: TestUser,
    private readonly conversationId: string,
  ) {}

  async poll(): Promise<boolean> {
    const res = await request<HistoryResponse>(
      this.baseUrl,
      'GET',
      `/api/conversations/${this.conversationId}/messages`,
      { token: this.user.token },
    );
    const changed = res.body.messages.length !== this.count;
    this.count = res.body.messages.length;
    return changed;
  }
}

describe.each(DIALECTS)('polling clients (seed 000) on %s', (dialect) => {
  let server: TestServer;
  let practitioner: TestUser;
  let patient: TestUser;

  beforeAll(async () => {
    server = await startServer({ dialect });
    [practitioner, patient] = await Promise.all([
      registerUser(server.url, { name: 'Dr Who', role: 'practitioner' }),
      registerUser(server.url, { name: 'Pat' }),
    ]);
  });
  afterAll(async () => {
    await server.close();
  });

  it('two pollers exchanging messages each see every message once, in order, however many arrive between polls', async () => {
    const c = await openConversation(server.url, practitioner, patient);
    const doctor = new SeqPoller(server.url, practitioner, c.id);
    const pat = new SeqPoller(server.url, patient, c.id);
    const bursts = [1, 3, 0, 7, 120, 2];
    let n = 0;
    for (const burst of bursts) {
      // Both write between two polls, concurrently; one burst is larger than a page.
      await Promise.all(
        Array.from({ length: burst }, (_, i) =>
          sendHttp(server.url, i % 2 === 0 ? practitioner : patient, c.id, `msg ${n + i}`),
        ),
      );
      n += burst;
      await Promise.all([doctor.poll(), pat.poll()]);
      expect(doctor.lastSeq).toBe(n);
      expect(pat.lastSeq).toBe(n);
    }
    for (const poller of [doctor, pat]) {
      expect(poller.seen.map((m) => m.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(new Set(poller.seen.map((m) => m.message_id)).size).toBe(n);
    }
    // Nothing new: an empty answer, and the poller stays where it is.
    expect(await doctor.poll()).toEqual([]);
  });

  it('comparing counts goes blind once a page is full; after_seq does not', async () => {
    const c = await openConversation(server.url, practitioner, await registerUser(server.url));
    for (let i = 0; i < 50; i++) await sendHttp(server.url, practitioner, c.id, `m${i}`);
    const counting = new CountPoller(server.url, practitioner, c.id);
    const seq = new SeqPoller(server.url, practitioner, c.id);
    await counting.poll();
    await seq.poll();
    await sendHttp(server.url, practitioner, c.id, 'the one a count poller never sees');
    expect(await counting.poll()).toBe(false);
    const fresh = await seq.poll();
    expect(fresh.map((m) => m.content)).toEqual(['the one a count poller never sees']);
  });

  it('a retried POST (same client_msg_id) is stored once, so a poller never sees it twice', async () => {
    const c = await openConversation(server.url, practitioner, patient);
    const pat = new SeqPoller(server.url, patient, c.id);
    await pat.poll();
    const first = await sendHttp(server.url, practitioner, c.id, 'only once', 'poll-retry-1');
    const again = await sendHttp(server.url, practitioner, c.id, 'only once', 'poll-retry-1');
    expect([first.status, again.status]).toEqual([201, 200]);
    expect((await pat.poll()).map((m) => m.content)).toEqual(['only once']);
  });
});
