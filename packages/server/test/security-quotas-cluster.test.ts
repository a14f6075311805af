import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from './helpers/cluster.js';
import { registerUser, request } from './helpers/http.js';

/**
 * Issue 12, point 7, across nodes: the hourly quotas (sign-ups per address, appointment requests,
 * new groups) hold for the cluster, not per node, so a client spreading its requests over the
 * nodes behind a load balancer gets no more than one talking to a single node.
 */
describe('hourly quotas across two nodes', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(2, {
      env: {
        TRUST_PROXY: 'true',
        SIGNUPS_PER_HOUR_PER_ADDRESS: '4',
        APPOINTMENT_REQUESTS_PER_HOUR: '2',
      },
    });
  });
  afterAll(() => cluster.dispose());

  /** The quotas count in clock hours: start well inside one, so the test never straddles two. */
  async function insideOneHour(): Promise<void> {
    const left = 3_600_000 - (Date.now() % 3_600_000);
    if (left < 20_000) await new Promise((r) => setTimeout(r, left + 100));
  }

  it('refuses the fifth sign-up from one address on either node', async () => {
    await insideOneHour();
    const [a, b] = cluster.nodes.map((n) => n.url);
    const signUp = (url: string, i: number) =>
      request<{ error?: { code: string; retry_after?: number } }>(url!, 'POST', '/api/auth/register', {
        body: {
          email: `quota-${i}@example.test`,
          password: 'correct horse battery',
          name: 'Q',
          role: 'patient',
        },
        headers: { 'x-forwarded-for': '198.51.100.7' },
      });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await signUp(i % 2 === 0 ? a! : b!, i)).status);
    expect(statuses).toEqual([201, 201, 201, 201]);
    for (const [i, url] of [a!, b!].entries()) {
      const refused = await signUp(url, 10 + i);
      expect(refused).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
      expect(refused.body.error?.retry_after).toBeGreaterThanOrEqual(1);
    }
    // Another address is not held back by it.
    const other = await request(a!, 'POST', '/api/auth/register', {
      body: {
        email: 'quota-other@example.test',
        password: 'correct horse battery',
        name: 'O',
        role: 'patient',
      },
      headers: { 'x-forwarded-for': '198.51.100.8' },
    });
    expect(other.status).toBe(201);
  });

  it('counts one patient’s appointment requests on both nodes together', async () => {
    await insideOneHour();
    const [a, b] = cluster.nodes.map((n) => n.url);
    const [doctor, patient] = await Promise.all([
      registerUser(a!, { role: 'practitioner' }),
      registerUser(b!),
    ]);
    const start = new Date(Date.now() + 86_400_000);
    const ask = (url: string) =>
      request(url, 'POST', '/api/appointments', {
        token: patient.token,
        body: {
          practitioner_id: doctor.user.id,
          starts_at: start.toISOString(),
          ends_at: new Date(start.getTime() + 1_800_000).toISOString(),
        },
      });
    expect((await ask(a!)).status).toBe(201);
    expect((await ask(b!)).status).toBe(201);
    expect(await ask(a!)).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    expect(await ask(b!)).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
  });
});
