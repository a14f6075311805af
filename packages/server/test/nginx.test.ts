import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Message } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Cluster,
  eventually,
  type NodeProcess,
  redisReachable,
  startCluster,
} from './helpers/cluster.js';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request } from './helpers/http.js';
import { TestSocket } from './helpers/ws.js';

/**
 * The nginx configuration we ship (deploy/nginx/carechat.conf), run by Debian's nginx in front
 * of two real nodes: HTTP and WebSocket pass through, and when a node stops, clients that
 * reconnect through nginx land on the other one and resume.
 */
const NGINX = ['/usr/sbin/nginx', 'nginx'].find((bin) => spawnSync(bin, ['-v']).status === 0);
const runnable = NGINX !== undefined && DIALECTS.includes('postgres') && (await redisReachable());
if (!runnable && process.env.CI === 'true')
  throw new Error('the nginx suite needs nginx, PostgreSQL and Redis in CI');

const SHIPPED = resolve(import.meta.dirname, '../../../deploy/nginx/carechat.conf');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  return typeof address === 'object' && address ? address.port : 0;
}

/** The shipped file with this run's ports, wrapped in a minimal nginx.conf that runs unprivileged paths. */
function nginxConf(prefix: string, listen: number, upstreams: number[]): string {
  let site = readFileSync(SHIPPED, 'utf8');
  let i = 0;
  site = site.replace(/server 127\.0\.0\.1:\d+/g, () => `server 127.0.0.1:${upstreams[i++]}`);
  site = site.replace(/listen 8080;/, `listen 127.0.0.1:${listen};`);
  if (i !== upstreams.length) throw new Error('the shipped config must list exactly two upstream servers');
  return `
daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
${site}
}
`;
}

describe.runIf(runnable)('nginx in front of two nodes', () => {
  let cluster: Cluster;
  let nginx: ChildProcess;
  let edge: string;
  let a: NodeProcess;
  let b: NodeProcess;

  beforeAll(async () => {
    cluster = await startCluster(2);
    [a, b] = cluster.nodes as [NodeProcess, NodeProcess];
    const prefix = mkdtempSync(join(tmpdir(), 'carechat-nginx-'));
    for (const dir of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(prefix, dir));
    const listen = await freePort();
    const conf = join(prefix, 'nginx.conf');
    writeFileSync(conf, nginxConf(prefix, listen, [new URL(a.url).port, new URL(b.url).port].map(Number)));
    const check = spawnSync(NGINX!, ['-t', '-p', prefix, '-c', conf], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`nginx -t failed:\n${check.stderr}`);
    nginx = spawn(NGINX!, ['-p', prefix, '-c', conf], { stdio: 'ignore' });
    process.once('exit', () => nginx.kill('SIGKILL'));
    edge = `http://127.0.0.1:${listen}`;
    await eventually(async () => {
      try {
        return (await request(edge, 'GET', '/healthz')).status === 200;
      } catch {
        return false;
      }
    });
  }, 60_000);

  afterAll(async () => {
    nginx?.kill('SIGQUIT');
    await cluster?.dispose();
  });

  it('passes HTTP and WebSocket through, keeps /metrics private, and fails over when a node stops', async () => {
    const [alice, bob] = await Promise.all([
      registerUser(edge, { name: 'Alice', role: 'practitioner' }),
      registerUser(edge, { name: 'Bob' }),
    ]);
    const conversation = await openConversation(edge, alice, bob);
    expect((await fetch(`${edge}/metrics`)).status).toBe(403);

    const wsEdge = edge.replace(/^http/, 'ws');
    const aliceSocket = await TestSocket.connect(`${wsEdge}/ws`, { token: alice.token });
    const bobSocket = await TestSocket.connect(`${wsEdge}/ws`, { token: bob.token });
    await Promise.all([aliceSocket.roundTrip(), bobSocket.roundTrip()]);
    const send = async (n: number, socket: TestSocket) => {
      socket.send({
        type: 'chat_message',
        conversation_id: conversation.id,
        client_msg_id: `g-${n}`,
        content: `m${n}`,
      });
      return socket.next('message_sent', (f) => f.client_msg_id === `g-${n}`);
    };
    await send(1, aliceSocket);
    await bobSocket.next('chat_message', (m) => m.seq === 1);

    // Node A restarts: its sockets close with 1012; whoever reconnects through nginx gets node B.
    a.kill('SIGTERM');
    await a.exited;
    const reconnected = await TestSocket.connect(`${wsEdge}/ws`, { token: bob.token });
    const aliceAgain = await TestSocket.connect(`${wsEdge}/ws`, { token: alice.token });
    await send(2, aliceAgain);
    reconnected.send({ type: 'resume', cursors: { [conversation.id]: 1 } });
    await reconnected.next('resumed');
    await eventually(() => reconnected.frames.some((f) => f.type === 'chat_message' && f.seq === 2));
    expect(
      (reconnected.frames.filter((f) => f.type === 'chat_message') as Message[]).map((m) => m.seq),
    ).toEqual([2]);
    expect((await request(edge, 'GET', '/readyz')).status).toBe(200);
    await Promise.all([aliceSocket, bobSocket, reconnected, aliceAgain].map((s) => s.close()));
  }, 60_000);
});
