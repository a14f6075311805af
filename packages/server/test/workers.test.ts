import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { get as httpGet } from 'node:http';
import type { Conversation, HistoryResponse, Message, ServerFrame } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type NodeProcess, spawnNode, TEST_REDIS_URL } from './helpers/cluster.js';
import { createTestStore, TEST_DATABASE_URL, type TestStore } from './helpers/dialects.js';
import { openConversation, registerUser, request, type TestUser } from './helpers/http.js';
import { TestSocket } from './helpers/ws.js';

const WORKERS = 3;
const PER_SENDER = 50;

/**
 * The worker processes of a primary: its `node` children (not the esbuild service that tsx starts
 * in a process compiling sources its cache does not hold yet).
 */
function workerPids(primary: NodeProcess): number[] {
  try {
    return execFileSync('pgrep', ['-x', 'node', '-P', String(primary.child.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

const SETUPS = [
  // No Redis: the primary carries events and presence between the workers; they share the file.
  { name: 'SQLite, no Redis', postgres: false, redis: false },
  { name: 'PostgreSQL + Redis', postgres: true, redis: true },
] as const;

/**
 * Issue 17, point 3: `carechat serve --workers N` runs N processes that act as one server on one
 * port, with every guarantee kept: messages sent through all workers at once get one gap-free
 * `seq` per conversation, reach every device once and in order, and retries are stored once.
 */
describe.each(SETUPS)('serve --workers on $name', (setup) => {
  let primary: NodeProcess;
  let database: TestStore | undefined;

  beforeAll(async () => {
    const env: Record<string, string> = {};
    if (setup.postgres) {
      // Migrated here (createTestStore): the primary migrates too, and finds nothing to do.
      database = await createTestStore('postgres');
      env.DATABASE_URL = TEST_DATABASE_URL;
      env.DATABASE_SCHEMA = database.schema!;
      env.DATABASE_POOL_SIZE = '4';
    }
    if (setup.redis) {
      env.REDIS_URL = TEST_REDIS_URL;
      env.REDIS_PREFIX = `test:workers:${randomBytes(4).toString('hex')}:`;
    }
    primary = await spawnNode('workers', env, ['--workers', String(WORKERS)]);
    await eventually(() => workerPids(primary).length === WORKERS, 60_000).catch((error: unknown) => {
      throw new Error(
        `${WORKERS} workers did not come up (${workerPids(primary).length}):\n${primary.output()}`,
        {
          cause: error,
        },
      );
    });
    // Three processes compile and start at once on a machine that may be busy.
  }, 120_000);
  afterAll(async () => {
    primary?.kill('SIGKILL');
    for (const pid of workerPids(primary)) process.kill(pid, 'SIGKILL');
    await database?.dispose();
  });

  it('delivers every message once, in order, to every device on every worker', async () => {
    const [patient, doctor] = await Promise.all([
      registerUser(primary.url, { name: 'Worker Patient' }),
      registerUser(primary.url, { name: 'Dr. Worker', role: 'practitioner' }),
    ]);
    const conversation = await openConversation(primary.url, doctor, patient);
    // Four devices each: new connections go to the workers in turn, so every worker holds some.
    const devices = await Promise.all(
      [patient, patient, patient, patient, doctor, doctor, doctor, doctor].map((u) =>
        TestSocket.connect(`${primary.wsUrl}/ws`, { token: u.token }),
      ),
    );
    // Each device says where it stands in the conversation (nothing yet), as the SDK does for the
    // conversations it shows: a device with a position gets every later message in order even
    // when one overtakes another between workers (a socket without one starts at the first
    // message it hears: see the closing note of issue 17).
    for (const device of devices) device.send({ type: 'resume', cursors: { [conversation.id]: 0 } });
    await Promise.all(devices.map((d) => d.waitForCount('resumed', 1)));

    // Both sides send at once, each message twice with the same client_msg_id (a retry racing
    // the original through another worker).
    const send = (user: TestUser, i: number) =>
      request<{ message: Message }>(primary.url, 'POST', `/api/conversations/${conversation.id}/messages`, {
        token: user.token,
        body: { client_msg_id: `${user.user.id}-${i}`, content: `m${i}` },
      });
    const answers = await Promise.all(
      [patient, doctor].flatMap((user) =>
        Array.from({ length: PER_SENDER }, (_, i) => [send(user, i), send(user, i)]).flat(),
      ),
    );
    expect(answers.every((a) => a.status === 201 || a.status === 200)).toBe(true);
    const total = 2 * PER_SENDER;

    const history = await request<HistoryResponse>(
      primary.url,
      'GET',
      `/api/conversations/${conversation.id}/messages?limit=100`,
      { token: patient.token },
    );
    expect(history.body.messages.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // A retry answered with the original: the same seq for both answers of one client_msg_id.
    for (let i = 0; i < answers.length; i += 2) {
      expect(answers[i]!.body.message.seq).toBe(answers[i + 1]!.body.message.seq);
    }

    const seqsOf = (frames: ServerFrame[]) =>
      frames
        .filter((f) => f.type === 'chat_message' || f.type === 'message_sent')
        .map((f) => (f as Message).seq);
    for (const device of devices) {
      await eventually(() => seqsOf(device.frames).length >= total, 40_000).catch(() => {
        const seqs = seqsOf(device.frames);
        const missing = Array.from({ length: total }, (_, i) => i + 1).filter((n) => !seqs.includes(n));
        throw new Error(`a device holds ${seqs.length} of ${total}; missing ${missing.join(',')}`);
      });
      expect(seqsOf(device.frames)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    }
    await Promise.all(devices.map((d) => d.close()));
  }, 120_000);

  it('shows who is online across workers, and replaces a worker that dies', async () => {
    const [patient, doctor] = await Promise.all([
      registerUser(primary.url, { name: 'Present Patient' }),
      registerUser(primary.url, { name: 'Dr. Present', role: 'practitioner' }),
    ]);
    const conversation = await openConversation(primary.url, doctor, patient);
    const doctorDevice = await TestSocket.connect(`${primary.wsUrl}/ws`, { token: doctor.token });
    await doctorDevice.roundTrip();
    // Whichever worker answers (a new connection each time goes to the next one), the doctor is online.
    for (let i = 0; i < WORKERS * 2; i++) {
      const seen = (await onNewConnection(
        `${primary.url}/api/conversations/${conversation.id}`,
        patient.token,
      )) as {
        conversation: Conversation;
      };
      expect(seen.conversation.participants.find((p) => p.user.id === doctor.user.id)?.online).toBe(true);
    }

    const [victim] = workerPids(primary);
    process.kill(victim!, 'SIGKILL');
    await eventually(() => {
      const pids = workerPids(primary);
      return pids.length === WORKERS && !pids.includes(victim!);
    }, 20_000);
    for (let i = 0; i < WORKERS * 2; i++) {
      const res = await request(primary.url, 'GET', '/readyz');
      expect(res.status).toBe(200);
    }
    await doctorDevice.close();
  });

  it('stops every worker gracefully on SIGTERM', async () => {
    const pids = workerPids(primary);
    primary.kill('SIGTERM');
    expect(await primary.exited).toEqual({ code: 0, signal: null });
    await eventually(() => pids.every((pid) => !isAlive(pid)));
  });
});

/** A GET on a connection of its own (no keep-alive pool), so that it may reach another worker. */
function onNewConnection(url: string, token: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
