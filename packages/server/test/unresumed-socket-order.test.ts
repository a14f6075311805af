import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus/memory-bus.js';
import type { DomainEvent } from '../src/core/events.js';
import { createTestStore, type TestStore } from './helpers/dialects.js';
import { openConversation, registerUser, sendHttp, type TestUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

/**
 * The bus of a cluster does not promise order between nodes: node B's publish of seq 3 can reach a
 * connection before node A's publish of seq 2, and a publish can be lost (Redis restarting). This
 * bus plays that: it holds back the next message event it is told to, and lets it go after the
 * one behind it, or never.
 */
class ReorderingBus extends MemoryBus {
  #holdNext = false;
  #held: DomainEvent[] = [];

  holdNextMessage(): void {
    this.#holdNext = true;
  }

  override async publish(event: DomainEvent): Promise<void> {
    if (event.kind === 'message.created' && this.#holdNext) {
      this.#holdNext = false;
      this.#held.push(event);
      return;
    }
    await super.publish(event);
  }

  /** Publishes what was held back, late. */
  async releaseHeld(): Promise<void> {
    const held = this.#held.splice(0);
    for (const event of held) await super.publish(event);
  }

  /** Forgets what was held back: its publish was lost. */
  dropHeld(): void {
    this.#held.length = 0;
  }
}

/**
 * A raw WebSocket that never sends `resume` (seed 001's sidebar socket, scripts, other platforms'
 * back-ends) gets every message committed after it opened, once and in order, however the bus
 * delivers them. It used to start each conversation at the first message it heard, so a message
 * overtaken on the bus was skipped for good.
 */
describe('a socket that never resumes', () => {
  const bus = new ReorderingBus();
  let store: TestStore;
  let server: TestServer;
  let doctor: TestUser;
  let patient: TestUser;
  let conversationId: string;

  beforeAll(async () => {
    store = await createTestStore('sqlite');
    server = await startServer({ shared: { store, bus } });
    doctor = await registerUser(server.url, { role: 'practitioner', name: 'Dr Order' });
    patient = await registerUser(server.url, { name: 'Pat Order' });
    conversationId = (await openConversation(server.url, doctor, patient)).id;
    expect((await sendHttp(server.url, doctor, conversationId, 'before the socket')).status).toBe(201);
  });

  afterAll(async () => {
    await server?.close();
    await bus.close();
    await store?.dispose();
  });

  async function seqsHeard(socket: TestSocket, count: number): Promise<number[]> {
    await socket.waitForCount('chat_message', count);
    await socket.roundTrip();
    return socket.all('chat_message').map((m) => m.seq);
  }

  it('waits for a message the bus delivers late, instead of skipping it', async () => {
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: patient.token });
    await socket.roundTrip();
    bus.holdNextMessage();
    expect((await sendHttp(server.url, doctor, conversationId, 'overtaken')).status).toBe(201);
    expect((await sendHttp(server.url, doctor, conversationId, 'overtaking')).status).toBe(201);
    await bus.releaseHeld();
    expect(await seqsHeard(socket, 2)).toEqual([2, 3]);
    await socket.close();
  });

  it('starts a conversation made after it opened at its first message, whatever arrives first', async () => {
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: patient.token });
    await socket.roundTrip();
    const other = await registerUser(server.url, { role: 'practitioner', name: 'Dr Later' });
    const later = await openConversation(server.url, other, patient);
    await socket.next('conversation_created', (f) => f.conversation.id === later.id);
    bus.holdNextMessage();
    expect((await sendHttp(server.url, other, later.id, 'first, overtaken')).status).toBe(201);
    expect((await sendHttp(server.url, other, later.id, 'second')).status).toBe(201);
    await bus.releaseHeld();
    await socket.waitForCount('chat_message', 2);
    await socket.roundTrip();
    expect(socket.all('chat_message').map((m) => [m.conversation_id, m.seq])).toEqual([
      [later.id, 1],
      [later.id, 2],
    ]);
    await socket.close();
  });

  it('loads a message whose publish was lost once the next one arrives', async () => {
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: patient.token });
    await socket.roundTrip();
    bus.holdNextMessage();
    expect((await sendHttp(server.url, doctor, conversationId, 'lost on the bus')).status).toBe(201);
    bus.dropHeld();
    expect((await sendHttp(server.url, doctor, conversationId, 'heard')).status).toBe(201);
    expect(await seqsHeard(socket, 2)).toEqual([4, 5]);
    await socket.close();
  });
});
