import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARECHAT } from './helpers/carechat-command.js';
import { openConversation, registerUser, type TestUser } from './helpers/http.js';

const MiB = 1024 * 1024;
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

async function upload(url: string, user: TestUser, conversationId: string, file: Blob): Promise<number> {
  const form = new FormData();
  form.append('file', file, 'scan.png');
  const res = await fetch(`${url}/api/conversations/${conversationId}/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}` },
    body: form,
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Issue 12, point 12, measured: a spawned server (its own process, so its RSS is its own) takes 20
 * parallel 10 MiB uploads from a non-participant and 20 oversize ones from a participant, and its
 * memory stays where it was (it went from 284 to 513 MiB when uploads were buffered whole).
 */
describe('upload memory', () => {
  let child: ChildProcess;
  let url: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'carechat-upload-memory-'));

  beforeAll(async () => {
    child = spawn(process.execPath, [CARECHAT, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: dataDir,
        JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
        LOG_LEVEL: 'silent',
        MESSAGING_POLICY: 'open',
        // The practitioner signs up and opens the conversation at once (no admin to approve them).
        PRACTITIONER_SIGNUP: 'open',
        SESSION_IDLE_MINUTES: '0',
        UPLOADS_PER_MINUTE: '0',
        ATTACHMENT_MAX_BYTES: String(10 * MiB),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    url = await new Promise<string>((done, fail) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /running at http:\/\/localhost:(\d+)/.exec(out);
        if (match) done(`http://127.0.0.1:${match[1]}`);
      });
      child.once('exit', () => fail(new Error(`server exited: ${out}`)));
    });
  }, 60_000);
  afterAll(async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('does not grow with parallel foreign or oversize uploads', async () => {
    const [doctor, patient, stranger] = await Promise.all([
      registerUser(url, { role: 'practitioner' }),
      registerUser(url),
      registerUser(url),
    ]);
    const c = await openConversation(url, doctor, patient);
    // Warm up every code path once (parsing, storage, the store).
    expect(await upload(url, patient, c.id, new Blob([new Uint8Array(PNG)]))).toBe(201);
    expect(await upload(url, stranger, c.id, new Blob([new Uint8Array(PNG)]))).toBe(403);
    const pid = child.pid!;
    const baseline = rssOf(pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(pid));
    }, 10);
    try {
      const tenMiB = new Blob([new Uint8Array(PNG), new Uint8Array(10 * MiB - PNG.length)]);
      const foreign = await Promise.all(
        Array.from({ length: 20 }, () => upload(url, stranger, c.id, tenMiB)),
      );
      expect(foreign.every((s) => s === 403)).toBe(true);
      const oversize = new Blob([new Uint8Array(PNG), new Uint8Array(11 * MiB)]);
      const tooLarge = await Promise.all(
        Array.from({ length: 20 }, () => upload(url, patient, c.id, oversize)),
      );
      expect(tooLarge.every((s) => s === 413)).toBe(true);
    } finally {
      clearInterval(sampler);
    }
    // 20 uploads held whole would be 200 MiB at least; streaming keeps it to buffers in flight.
    const grown = (peak - baseline) / MiB;
    expect(grown, `RSS ${Math.round(baseline / MiB)} -> ${Math.round(peak / MiB)} MiB`).toBeLessThan(80);
  }, 120_000);
});
