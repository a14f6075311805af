import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AuthResponse, User } from '@carechat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus/memory-bus.js';
import { openStore } from '../src/store/open-store.js';
import { CARECHAT } from './helpers/carechat-command.js';
import { createTestStore, DIALECTS, type TestStore } from './helpers/dialects.js';
import { registerUser, request, type TestUser } from './helpers/http.js';
import { createAdmin, rawRequest, TEST_SERVER_API_KEY } from './helpers/security.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TestSocket } from './helpers/ws.js';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** Issue 12, point 2: who is a practitioner (PRACTITIONER_SIGNUP=pending, the default). */
describe.each(DIALECTS)('practitioners who sign up wait for approval, on %s', (dialect) => {
  let server: TestServer;
  let admin: TestUser;
  let patient: TestUser;

  beforeAll(async () => {
    server = await startServer({
      dialect,
      env: { PRACTITIONER_SIGNUP: 'pending', SERVER_API_KEY: TEST_SERVER_API_KEY },
    });
    admin = await createAdmin(server.url);
    patient = await registerUser(server.url, { name: 'Pat Patient' });
  });
  afterAll(() => server.close());

  const search = async (by: TestUser, query: string) =>
    (
      await request<{ users: User[] }>(server.url, 'GET', `/api/users?query=${encodeURIComponent(query)}`, {
        token: by.token,
      })
    ).body.users;
  const book = (practitioner: TestUser) => {
    const start = new Date(Date.now() + 86_400_000);
    return request(server.url, 'POST', '/api/appointments', {
      token: patient.token,
      body: {
        practitioner_id: practitioner.user.id,
        starts_at: start.toISOString(),
        ends_at: new Date(start.getTime() + 1_800_000).toISOString(),
      },
    });
  };
  const open = (by: TestUser, other: TestUser) =>
    request(server.url, 'POST', '/api/conversations', {
      token: by.token,
      body: { participant_ids: [other.user.id] },
    });
  const pending = async () =>
    (
      await request<{ practitioners: User[] }>(server.url, 'GET', '/api/admin/practitioners?status=pending', {
        token: admin.token,
      })
    ).body.practitioners.map((u) => u.id);

  it('a pending practitioner cannot be found, booked or messaged, and cannot start a conversation', async () => {
    const doc = await registerUser(server.url, { role: 'practitioner', name: 'Dr. Pending Zed' });
    expect(doc.user).toMatchObject({ role: 'practitioner', status: 'pending' });
    expect(await search(patient, 'Pending Zed')).toEqual([]);
    expect(await book(doc)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await open(patient, doc)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await open(doc, patient)).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(await pending()).toContain(doc.user.id);
  });

  it('an admin approves: at once the practitioner is found, booked and messaged', async () => {
    const doc = await registerUser(server.url, { role: 'practitioner', name: 'Dr. Approved Quill' });
    // Cached as pending everywhere first, so the approval has to reach the caches.
    expect(await search(patient, 'Approved Quill')).toEqual([]);
    expect((await book(doc)).status).toBe(404);
    const approved = await request<{ user: User }>(
      server.url,
      'POST',
      `/api/admin/practitioners/${doc.user.id}/approve`,
      { token: admin.token },
    );
    expect(approved).toMatchObject({ status: 200, body: { user: { id: doc.user.id, status: 'active' } } });
    expect((await search(patient, 'Approved Quill')).map((u) => u.id)).toEqual([doc.user.id]);
    expect((await book(doc)).status).toBe(201);
    expect((await open(patient, doc)).status).toBe(201);
    expect(await pending()).not.toContain(doc.user.id);
    const me = await request<{ user: User }>(server.url, 'GET', '/api/me', { token: doc.token });
    expect(me.body.user.status).toBe('active');
  });

  it('an admin rejects: the account stays unreachable and its sessions end', async () => {
    const doc = await registerUser(server.url, { role: 'practitioner', name: 'Dr. Rejected Vale' });
    const rejected = await request(server.url, 'POST', `/api/admin/practitioners/${doc.user.id}/reject`, {
      token: admin.token,
    });
    expect(rejected).toMatchObject({ status: 200, body: { user: { status: 'rejected' } } });
    expect((await request(server.url, 'GET', '/api/me', { token: doc.token })).status).toBe(401);
    const again = await request(server.url, 'POST', '/api/auth/login', {
      body: { email: doc.email, password: doc.password },
    });
    expect(again).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await book(doc)).status).toBe(404);
    // Approving a rejected account is a conflict, not a silent change.
    const late = await request(server.url, 'POST', `/api/admin/practitioners/${doc.user.id}/approve`, {
      token: admin.token,
    });
    expect(late).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
  });

  it('only admins list and decide; every decision is in the audit trail', async () => {
    const doc = await registerUser(server.url, { role: 'practitioner' });
    for (const [method, path] of [
      ['GET', '/api/admin/practitioners'],
      ['POST', `/api/admin/practitioners/${doc.user.id}/approve`],
      ['POST', `/api/admin/practitioners/${doc.user.id}/reject`],
    ] as const) {
      for (const who of [patient, doc]) {
        expect(await request(server.url, method, path, { token: who.token })).toMatchObject({
          status: 403,
          body: { error: { code: 'forbidden' } },
        });
      }
    }
    expect(
      (
        await request(server.url, 'POST', '/api/admin/practitioners/usr_nobody/approve', {
          token: admin.token,
        })
      ).status,
    ).toBe(404);
    expect(
      (await request(server.url, 'GET', '/api/admin/practitioners?status=bogus', { token: admin.token }))
        .status,
    ).toBe(400);
    await request(server.url, 'POST', `/api/admin/practitioners/${doc.user.id}/approve`, {
      token: admin.token,
    });
    await server.app.core.audit.flush();
    const trail = await request<{
      events: Array<{ action: string; actor_id: string; target_user_id: string }>;
    }>(
      server.url,
      'GET',
      `/api/admin/audit?action=admin.practitioner_approved&target_user_id=${doc.user.id}`,
      { token: admin.token },
    );
    expect(trail.body.events).toEqual([
      expect.objectContaining({ actor_id: admin.user.id, target_user_id: doc.user.id }),
    ]);
  });
});

describe('practitioner sign-up settings', () => {
  it('open lets practitioners in at once; off refuses them; ALLOW_PRACTITIONER_SIGNUP still works', async () => {
    for (const [env, expected] of [
      [{ PRACTITIONER_SIGNUP: 'open' }, 'active'],
      [{ PRACTITIONER_SIGNUP: 'off' }, 403],
      [{ ALLOW_PRACTITIONER_SIGNUP: 'true' }, 'active'],
      [{ ALLOW_PRACTITIONER_SIGNUP: 'false' }, 403],
      [{ ALLOW_PRACTITIONER_SIGNUP: 'true', PRACTITIONER_SIGNUP: 'pending' }, 'pending'],
    ] as const) {
      const server = await startServer({ env: { ALLOW_PRACTITIONER_SIGNUP: '', ...env } });
      try {
        const res = await request<{ user: User }>(server.url, 'POST', '/api/auth/register', {
          body: {
            email: 'doc@example.test',
            password: 'violet tram kettle',
            name: 'Doc',
            role: 'practitioner',
          },
        });
        if (typeof expected === 'number') expect(res.status).toBe(expected);
        else expect(res.body.user.status).toBe(expected);
      } finally {
        await server.close();
      }
    }
  });
});

/** Issue 12, point 4: roles take effect at once, on every node, for requests and open sockets. */
describe.each(DIALECTS)('a change of role applies to the next request, on %s', (dialect) => {
  let shared: TestStore;
  let bus: MemoryBus;
  let one: TestServer;
  let two: TestServer;

  beforeAll(async () => {
    shared = await createTestStore(dialect);
    bus = new MemoryBus();
    // The periodic check is off: the change must travel on the bus.
    const env = {
      SESSION_CHECK_SECONDS: '0',
      SERVER_API_KEY: TEST_SERVER_API_KEY,
      PRACTITIONER_SIGNUP: 'pending',
    };
    one = await startServer({ dialect, shared: { store: shared, bus }, env });
    two = await startServer({ dialect, shared: { store: shared, bus }, env });
  });
  afterAll(async () => {
    await one.close();
    await two.close();
    await bus.close();
    await shared.dispose();
  });

  const putUser = (externalId: string, role: 'admin' | 'patient') =>
    rawRequest(one.url, 'PUT', `/api/server/users/${externalId}`, {
      headers: { authorization: `Bearer ${TEST_SERVER_API_KEY}` },
      body: { name: 'Changing Admin', role },
    });

  it('a demoted admin loses admin access with the token they hold, and their open socket closes', async () => {
    const externalId = `admin-${randomBytes(4).toString('hex')}`;
    expect((await putUser(externalId, 'admin')).status).toBe(201);
    const minted = await rawRequest<AuthResponse>(one.url, 'POST', `/api/server/users/${externalId}/tokens`, {
      headers: { authorization: `Bearer ${TEST_SERVER_API_KEY}` },
    });
    const token = minted.body.access_token;
    // Node two has the session (and its role) cached.
    expect((await request(two.url, 'GET', '/api/admin/audit', { token })).status).toBe(200);
    const socket = await TestSocket.connect(`${two.wsUrl}/ws`, { token });
    await socket.roundTrip();

    expect((await putUser(externalId, 'patient')).status).toBe(200);
    expect(await request(two.url, 'GET', '/api/admin/audit', { token })).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
    expect(await socket.next('session_revoked')).toMatchObject({ reason: 'access_changed' });
    expect((await socket.closed()).code).toBe(4401);
    // The session itself lives on: as what the user is now.
    const me = await request<{ user: User }>(two.url, 'GET', '/api/me', { token });
    expect(me.body.user.role).toBe('patient');
  });

  it('an approval on one node lets patients book the practitioner on another at once', async () => {
    const admin = await createAdmin(one.url);
    const [doc, pat] = await Promise.all([
      registerUser(one.url, { role: 'practitioner', name: 'Dr. Two Nodes' }),
      registerUser(two.url),
    ]);
    const start = new Date(Date.now() + 86_400_000);
    const book = () =>
      request(two.url, 'POST', '/api/appointments', {
        token: pat.token,
        body: {
          practitioner_id: doc.user.id,
          starts_at: start.toISOString(),
          ends_at: new Date(start.getTime() + 1_800_000).toISOString(),
        },
      });
    // Node two caches the practitioner as pending.
    expect((await book()).status).toBe(404);
    const approved = await request(one.url, 'POST', `/api/admin/practitioners/${doc.user.id}/approve`, {
      token: admin.token,
    });
    expect(approved.status).toBe(200);
    expect((await book()).status).toBe(201);
  });
});

describe('the first administrator', () => {
  it('`carechat create-admin` makes one from the environment; they sign in and review practitioners', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'carechat-admin-'));
    const env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    };
    const run = (extra: Record<string, string>) =>
      spawnSync(process.execPath, [CARECHAT, 'create-admin'], {
        cwd: REPO_ROOT,
        env: { ...env, ...extra },
        encoding: 'utf8',
      });
    try {
      const weak = run({ ADMIN_EMAIL: 'ops@example.test', ADMIN_NAME: 'Ops', ADMIN_PASSWORD: 'password1' });
      expect(weak.status).toBe(1);
      expect(weak.stderr).toMatch(/too easy to guess/);
      const made = run({
        ADMIN_EMAIL: 'ops@example.test',
        ADMIN_NAME: 'Ops',
        ADMIN_PASSWORD: 'quiet harbour lamp',
      });
      expect(made.stdout).toMatch(/admin usr_\S+ created/);
      expect(made.status).toBe(0);
      const store = await openStore({ url: `sqlite:${join(dataDir, 'carechat.db')}`, poolSize: 2 });
      const server = await startServer({
        shared: { store: { store, dispose: async () => {} }, bus: new MemoryBus() },
      });
      try {
        const signedIn = await request<AuthResponse>(server.url, 'POST', '/api/auth/login', {
          body: { email: 'ops@example.test', password: 'quiet harbour lamp' },
        });
        expect(signedIn.body.user).toMatchObject({ role: 'admin', status: 'active' });
        const list = await request(server.url, 'GET', '/api/admin/practitioners', {
          token: signedIn.body.access_token,
        });
        expect(list.status).toBe(200);
      } finally {
        await server.close();
        await store.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a change of role the bus never carried', () => {
  it('still closes the sockets acting with the old role (the periodic check)', async () => {
    const server = await startServer({
      env: { SESSION_CHECK_SECONDS: '1', SERVER_API_KEY: TEST_SERVER_API_KEY },
    });
    try {
      const admin = await createAdmin(server.url);
      const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: admin.token });
      await socket.roundTrip();
      // Changed behind the server's back, as if another node's bus message were lost.
      const { careStoreFor } = await import('../src/store/care-kysely-store.js');
      await careStoreFor(server.store).updateUserProfile(admin.user.id, {
        name: 'Former Admin',
        role: 'patient',
      });
      expect((await socket.closed()).code).toBe(4401);
    } finally {
      await server.close();
    }
  });
});
