import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AuthResponse, ConversationListResponse } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/demo.js';
import { CARECHAT } from './helpers/carechat-command.js';
import { request } from './helpers/http.js';
import { TestSocket } from './helpers/ws.js';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/**
 * `carechat` is the built server (build.mjs: one file of our code beside the SQLite writer
 * thread's). What the sources find relative to themselves must be found by the build too, from
 * any working directory: the web app's folder, and the writer thread that commits every message
 * on a SQLite file.
 */
describe('the built carechat command', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'carechat-built-'));
  let child: ChildProcess;
  let output = '';
  let url = '';

  beforeAll(async () => {
    child = spawn(process.execPath, [CARECHAT, 'serve', '--seed-demo'], {
      // Not the repository: nothing may depend on where it is started from.
      cwd: dataDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: `sqlite:${join(dataDir, 'carechat.db')}`,
        DATA_DIR: dataDir,
        JWT_SECRET: 'built-command-secret-built-command-secret-0123',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const port = await new Promise<number>((done, fail) => {
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /running at http:\/\/localhost:(\d+)/.exec(output);
        if (match) done(Number(match[1]));
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.once('exit', (code) => fail(new Error(`carechat exited (${code}) before listening:\n${output}`)));
    });
    url = `http://127.0.0.1:${port}`;
  });

  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('looks for the web app in the repository, wherever it was started', () => {
    const line = output.split('\n').find((l) => l.includes('"webDistDir"'));
    expect(line, output).toBeDefined();
    expect(JSON.parse(line!).webDistDir).toBe(join(REPO_ROOT, 'apps/web/dist'));
  });

  it('commits and delivers a message through its writer thread, then stops cleanly on SIGTERM', async () => {
    const signIn = async (email: string) => {
      const login = await request<AuthResponse>(url, 'POST', '/api/auth/login', {
        body: { email, password: DEMO_PASSWORD },
      });
      expect(login.status).toBe(200);
      const token = login.body.access_token;
      const list = await request<ConversationListResponse>(url, 'GET', '/api/conversations', { token });
      return { token, conversations: list.body.conversations.map((c) => c.id) };
    };
    const patient = await signIn('sam.rivera@example.com');
    const doctor = await signIn('dr.okafor@example.com');
    const shared = patient.conversations.find((id) => doctor.conversations.includes(id))!;
    const wsUrl = `${url.replace(/^http/, 'ws')}/ws`;
    const sender = await TestSocket.connect(wsUrl, { token: patient.token });
    const receiver = await TestSocket.connect(wsUrl, { token: doctor.token });
    await receiver.roundTrip();
    sender.send({
      type: 'chat_message',
      conversation_id: shared,
      client_msg_id: 'built-1',
      content: 'Built.',
    });
    const sent = await sender.next('message_sent');
    const delivered = await receiver.next('chat_message', (m) => m.client_msg_id === 'built-1');
    expect(delivered.seq).toBe(sent.seq);

    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
