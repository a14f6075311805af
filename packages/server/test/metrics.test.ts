import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

/** The value of one sample line of the Prometheus text, or 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return 0;
}

const METRICS_KEY = 'metrics-key-metrics-key-0123456789abcdef';

describe.each(DIALECTS)('health and metrics on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ dialect, env: { METRICS_KEY } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('reports alive and ready with its store and bus checked', async () => {
    expect((await request(server.url, 'GET', '/healthz')).status).toBe(200);
    const ready = await request(server.url, 'GET', '/readyz');
    expect(ready).toMatchObject({
      status: 200,
      body: { status: 'ready', checks: { store: true, bus: true } },
    });
  });

  it('counts connections, accepted and delivered messages, commits and errors', async () => {
    const [alice, bob] = await Promise.all([
      registerUser(server.url, { role: 'practitioner' }),
      registerUser(server.url),
    ]);
    const conversation = await openConversation(server.url, alice, bob);
    const bobSocket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: bob.token });
    await bobSocket.roundTrip();

    await sendHttp(server.url, alice, conversation.id, 'one');
    await sendHttp(server.url, alice, conversation.id, 'two');
    await bobSocket.waitForCount('chat_message', 2);
    bobSocket.send({ type: 'read_receipt', conversation_id: 'cnv_nope', seq: 1 });
    await bobSocket.next('error');
    await request(server.url, 'GET', '/api/conversations');

    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_KEY}` } });
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(sample(text, 'carechat_connections', { door: 'ws' })).toBe(1);
    expect(sample(text, 'carechat_messages_accepted_total')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'carechat_messages_delivered_total', { door: 'ws' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'carechat_commit_latency_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'carechat_delivery_latency_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'carechat_errors_total', { code: 'not_participant', door: 'ws' })).toBe(1);
    expect(sample(text, 'carechat_errors_total', { code: 'unauthenticated', door: 'http' })).toBe(1);
    expect(text).toContain('carechat_bus_publish_lag_seconds');
    // No identifiers of people, conversations or messages in labels.
    expect(text).not.toContain(conversation.id);
    expect(text).not.toContain(bob.user.id);
    await bobSocket.close();
  });

  it('serves /metrics only with the metrics key, and not at all without one configured', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('carechat_');
    const keyless = await startServer({ dialect });
    try {
      expect((await fetch(`${keyless.url}/metrics`)).status).toBe(404);
    } finally {
      await keyless.close();
    }
  });
});
