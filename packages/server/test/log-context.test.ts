import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './helpers/cluster.js';
import { registerUser } from './helpers/http.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

/** Every log line of a request or a socket can be tied to it: a request id, a connection id. */
describe('log context', () => {
  let server: TestServer;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
        done();
      },
    });
    server = await startServer({ logDestination: destination });
  });
  afterAll(() => server.close());

  it('tags request lines with the proxy request id and socket lines with the connection id', async () => {
    await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'edge-42' } });
    expect(lines.some((l) => l.reqId === 'edge-42' && l.msg === 'request completed')).toBe(true);

    const user = await registerUser(server.url);
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: user.token });
    await socket.roundTrip();
    await socket.close();
    const opened = lines.find((l) => l.msg === 'socket opened');
    expect(opened).toMatchObject({ door: 'ws' });
    expect(String(opened?.conn)).toMatch(/^con_/);
    // The server logs the close when it has seen it.
    await eventually(() => lines.some((l) => l.msg === 'socket closed' && l.conn === opened?.conn));
  });
});
