import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/ports/clock.js';
import { DIALECTS } from '../helpers/dialects.js';
import { request } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from './helpers/browser-page.js';
import { HostSite } from './helpers/host-site.js';
import { openTemplatePage, readClientFile } from './helpers/template-page.js';

/** A Monday, 10:00 UTC, during the visit. */
const NOW = '2026-01-05T10:00:00.000Z';
const VISIT = { startsAt: '2026-01-05T09:30:00Z', endsAt: '2026-01-05T10:30:00Z' };
const KEY = 'server-api-key-for-the-seed-000-suite-0123456789';

/** The one line a migrated template changes: carechat's CSRF token, not Django's (docs/migration.md). */
const TEMPLATE = readClientFile('seed-000/chat_room_content.html');
const MIGRATED = TEMPLATE.replace("getCookie('csrftoken')", "getCookie('carechat_csrf')");

interface DjangoAnswer {
  success: boolean;
  error?: string;
  code?: string;
  messages?: Array<{ content: string; sender_type: string; seq: number }>;
  message?: { content: string; sender_type: string; id: string };
}

/**
 * Seed 000's Django chat room, its template's own script running in jsdom, against a real server
 * on SQLite and PostgreSQL: `POST /chat/send-message/` and the 3-second poll of
 * `GET /chat/get-messages/{room_id}/` that compares counts, with the identity the host's Django
 * view hands over (a server-minted carechat session in carechat's own cookies).
 */
describe.each(DIALECTS)('seed 000 (Django polling template) on %s', (dialect) => {
  let server: TestServer;
  let host: HostSite;
  const clock = new ManualClock(NOW);
  const pages: Array<{ close(): void }> = [];

  beforeAll(async () => {
    server = await startServer({
      dialect,
      clock,
      env: { SERVER_API_KEY: KEY, MESSAGING_POLICY: 'appointment', CONSULTATION_WINDOW_HOURS: '48' },
    });
    host = new HostSite(server.url, KEY);
  });
  afterAll(async () => {
    for (const page of pages) page.close();
    await server?.close();
  });

  /** A practitioner and a patient of the Django site with an accepted visit now, and their room. */
  async function clinic() {
    clock.set(NOW);
    const tag = randomBytes(4).toString('hex');
    const doctor = {
      externalId: `doc-${tag}`,
      user: await host.user(`doc-${tag}`, 'Dr. Smith', 'practitioner'),
    };
    const patient = {
      externalId: `pat-${tag}`,
      user: await host.user(`pat-${tag}`, 'Sam Patient', 'patient'),
    };
    const appointment = await host.appointment(`apt-${tag}`, {
      patient: patient.externalId,
      practitioner: doctor.externalId,
      ...VISIT,
      status: 'accepted',
    });
    return { doctor, patient, roomId: appointment.consultation!.conversation_id! };
  }

  /**
   * The chat room page as the host's Django view serves it to a signed-in user: it mints a
   * carechat session for them (server API) and sets carechat's cookies beside Django's own.
   */
  async function roomPage(externalId: string, userType: string, roomId: string, template = MIGRATED) {
    const minted = await host.tokenFor(externalId);
    const page = openTemplatePage({
      url: `${server.url}/chat/room/${roomId}/`,
      template,
      context: { 'room.id': roomId, user_type: userType },
      cookies: [
        `sessionid=django-session-${randomBytes(8).toString('hex')}; HttpOnly; Path=/`,
        `csrftoken=${randomBytes(16).toString('hex')}; Path=/`,
        `carechat_session=${minted.refresh_token}; HttpOnly; Path=/`,
        `carechat_csrf=${minted.csrf_token}; Path=/`,
      ],
    });
    pages.push(page);
    const { document } = page.window;
    return {
      page,
      minted,
      bubbles: () =>
        [...document.querySelectorAll('#chat-messages .message')].map((el) => ({
          content: el.querySelector('.message-content')?.textContent ?? '',
          sent: el.classList.contains('sent'),
        })),
      error: () => document.getElementById('chat-error')?.textContent ?? '',
      /** Types and presses Send; resolves with the template's own send promise. */
      async send(text: string): Promise<DjangoAnswer> {
        (document.getElementById('message-input') as HTMLInputElement).value = text;
        const form = document.getElementById('chat-form')!;
        form.dispatchEvent(new page.window.Event('submit', { bubbles: true, cancelable: true }));
        return (page.window as unknown as { lastSend: Promise<DjangoAnswer> }).lastSend;
      },
    };
  }

  it('the two sides of a room see each other within a poll, sent and received drawn apart', async () => {
    const { doctor, patient, roomId } = await clinic();
    const doctorPage = await roomPage(doctor.externalId, 'practitioner', roomId);
    const patientPage = await roomPage(patient.externalId, 'patient', roomId);
    await waitFor(() => (doctorPage.page.logs.includes('✅ Chat ready') ? true : undefined), 'the page');

    const sent = await doctorPage.send('Hello, how are you feeling today?');
    expect(sent).toMatchObject({ success: true, message: { sender_type: 'practitioner' } });
    expect(doctorPage.bubbles()).toEqual([{ content: 'Hello, how are you feeling today?', sent: true }]);
    expect(doctorPage.page.logs).toContain('✅ Message sent successfully');
    // The patient's page polls every 3 s and draws it as received.
    await waitFor(() => (patientPage.bubbles().length === 1 ? true : undefined), 'the poll', 8000);
    expect(patientPage.bubbles()).toEqual([{ content: 'Hello, how are you feeling today?', sent: false }]);
    expect(patientPage.page.logs).toContain('📨 1 new message(s) received');

    await patientPage.send('Much better, thank you.');
    await waitFor(() => (doctorPage.bubbles().length === 2 ? true : undefined), 'the reply', 8000);
    expect(doctorPage.bubbles()).toEqual([
      { content: 'Hello, how are you feeling today?', sent: true },
      { content: 'Much better, thank you.', sent: false },
    ]);
  });

  it('a counting poller keeps seeing new messages past 50, and pauses while the tab is hidden', async () => {
    const { doctor, patient, roomId } = await clinic();
    const doctorToken = (await host.tokenFor(doctor.externalId)).access_token;
    for (let i = 1; i <= 55; i++) {
      const res = await request(server.url, 'POST', '/chat/send-message/', {
        token: doctorToken,
        body: { room_id: roomId, message: `note ${i}` },
      });
      expect(res.status).toBe(200);
    }
    const patientPage = await roomPage(patient.externalId, 'patient', roomId);
    await waitFor(() => (patientPage.bubbles().length === 55 ? true : undefined), 'the first load');
    await request(server.url, 'POST', '/chat/send-message/', {
      token: doctorToken,
      body: { room_id: roomId, message: 'note 56' },
    });
    await waitFor(() => (patientPage.bubbles().length === 56 ? true : undefined), 'message 56', 8000);
    expect(patientPage.bubbles().at(-1)).toEqual({ content: 'note 56', sent: false });

    const { document } = patientPage.page.window;
    Object.defineProperty(document, 'hidden', { configurable: true, value: true });
    document.dispatchEvent(new patientPage.page.window.Event('visibilitychange'));
    expect(patientPage.page.logs).toContain('⏸️ Message polling stopped');
  });

  it("refuses bad input in the template's shape, with carechat's code, and stores nothing", async () => {
    const { doctor, patient, roomId } = await clinic();
    const minted = await host.tokenFor(patient.externalId);
    const post = (body: unknown, options: { token?: string; headers?: Record<string, string> } = {}) =>
      request<DjangoAnswer>(server.url, 'POST', '/chat/send-message/', {
        token: options.token ?? minted.access_token,
        body,
        ...(options.headers ? { headers: options.headers } : {}),
      });

    // The template as the seed has it sends Django's csrftoken: carechat's session cookie does
    // not take it, the page shows why.
    const unchanged = await roomPage(patient.externalId, 'patient', roomId, TEMPLATE);
    const refused = await unchanged.send('Is this stored?');
    expect(refused).toMatchObject({ success: false, code: 'forbidden' });
    expect(unchanged.error()).toContain('CSRF');
    expect(unchanged.bubbles()).toEqual([]);

    expect((await post({ message: 'no room' })).body).toMatchObject({
      success: false,
      code: 'invalid_request',
    });
    expect((await post({ room_id: roomId })).status).toBe(400);
    const mistyped = await post({ room_id: roomId, message: 42 });
    expect(mistyped).toMatchObject({ status: 400, body: { success: false, code: 'invalid_request' } });
    const bad = await request<DjangoAnswer>(server.url, 'POST', '/chat/send-message/', {
      token: minted.access_token,
      rawBody: '{"room_id":',
    });
    expect(bad).toMatchObject({ status: 400, body: { success: false, code: 'invalid_request' } });
    expect(await post({ room_id: 'cnv_someone_elses', message: 'hi' })).toMatchObject({
      status: 403,
      body: { success: false, code: 'not_participant' },
    });
    const anonymous = await request<DjangoAnswer>(server.url, 'GET', `/chat/get-messages/${roomId}/`);
    expect(anonymous).toMatchObject({ status: 401, body: { success: false, code: 'unauthenticated' } });
    // Django's session cookie alone is nobody to carechat.
    const djangoOnly = await request<DjangoAnswer>(server.url, 'GET', `/chat/get-messages/${roomId}/`, {
      cookie: 'sessionid=abc; csrftoken=def',
    });
    expect(djangoOnly.body).toMatchObject({ success: false, code: 'unauthenticated' });

    // Outside the practitioner's published hours, then after the visit's window: refused.
    await host.schedule(doctor.externalId, [
      { day_of_week: 2, start: '09:00', end: '17:00', timezone: 'UTC' },
    ]);
    expect(await post({ room_id: roomId, message: 'Monday, no hours' })).toMatchObject({
      status: 403,
      body: { success: false, code: 'outside_schedule' },
    });
    await host.schedule(doctor.externalId, []);
    clock.set('2026-01-08T10:00:00.000Z');
    const late = await host.tokenFor(patient.externalId);
    expect(await post({ room_id: roomId, message: 'Too late?' }, { token: late.access_token })).toMatchObject(
      {
        status: 403,
        body: { success: false, code: 'consultation_expired' },
      },
    );

    const history = await request<DjangoAnswer>(server.url, 'GET', `/chat/get-messages/${roomId}/`, {
      token: late.access_token,
    });
    expect(history.body).toMatchObject({ success: true, messages: [] });
  });

  it("takes Django's forms and forwarded requests, and a retried POST stores once", async () => {
    const { patient, roomId } = await clinic();
    const minted = await host.tokenFor(patient.externalId);
    // A Django view forwarding the template's request with the user's carechat token: Django's
    // own cookies and X-CSRFToken ride along and are ignored.
    const form = await fetch(`${server.url}/chat/send-message/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Bearer ${minted.access_token}`,
        'x-csrftoken': 'django-token',
        cookie: 'sessionid=abc; csrftoken=django-token',
      },
      body: new URLSearchParams({ room_id: roomId, message: 'From a form', client_msg_id: 'form-1' }),
    });
    expect(form.status).toBe(200);
    expect(await form.json()).toMatchObject({
      success: true,
      created: true,
      message: { content: 'From a form' },
    });
    const again = await request<DjangoAnswer & { created: boolean }>(
      server.url,
      'POST',
      '/chat/send-message/',
      {
        token: minted.access_token,
        body: { room_id: roomId, message: 'From a form', client_msg_id: 'form-1' },
      },
    );
    expect(again.body).toMatchObject({ success: true, created: false });
    const history = await request<DjangoAnswer>(server.url, 'GET', `/chat/get-messages/${roomId}/`, {
      token: minted.access_token,
    });
    expect(history.body.messages).toHaveLength(1);
    expect(history.body).toMatchObject({ success: true, room_id: roomId, count: 1 });
    expect(history.headers.get('cache-control')).toBe('no-store');
    expect(history.body.messages![0]).toMatchObject({
      content: 'From a form',
      sender_type: 'patient',
      seq: 1,
    });
  });
});
