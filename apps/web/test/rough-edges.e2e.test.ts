import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '@carechat/protocol';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  registerUser,
  request,
  sendHttp,
  type TestUser,
} from '../../../packages/server/test/helpers/http.js';
import { TestSocket } from '../../../packages/server/test/helpers/ws.js';
import { expectNoSeriousViolations } from './helpers/axe.js';
import { DESKTOP, PHONE, signIn } from './helpers/browser.js';
import { acceptedAppointment } from './helpers/care.js';
import { solidPng } from './helpers/images.js';
import { until, untilCount } from './helpers/wait.js';
import { Browsers, startWebAppServer, type WebAppServer } from './helpers/web-server.js';

/**
 * The web app's rough edges, found as a new user finds them (issue 14, point 7), each tried in
 * Chromium against a real server: where a chat with photos opens, the whole schedule when
 * booking, what a closed conversation says, quotes of edited messages, presence while offline,
 * the action pill at phone width, a quiet first load, and how the built assets are served.
 */
describe('web app rough edges in Chromium', () => {
  let web: WebAppServer;
  let server: WebAppServer['server'];
  let doctor: TestUser;
  let patient: TestUser;
  let conversationId: string;
  const browsers = new Browsers();

  const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
  const bubble = (page: Page, text: string) =>
    page
      .getByRole('log')
      .locator('li.msg')
      .filter({ has: page.getByText(text, { exact: true }) });
  const browserFor = (user: TestUser, viewport = DESKTOP) => browsers.signedIn(server.url, user, viewport);

  async function sendPhoto(by: TestUser, conversation: string, content: string): Promise<void> {
    const form = new FormData();
    form.append(
      'file',
      new Blob([new Uint8Array(solidPng(320, 240))], { type: 'image/png' }),
      `${content}.png`,
    );
    const upload = await fetch(`${server.url}/api/conversations/${conversation}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${by.token}` },
      body: form,
    });
    const { attachment } = (await upload.json()) as { attachment: { id: string } };
    const sent = await request(server.url, 'POST', `/api/conversations/${conversation}/messages`, {
      token: by.token,
      body: { client_msg_id: `photo-${content}`, content, attachments: [{ id: attachment.id }] },
    });
    if (sent.status !== 201) throw new Error(`photo send failed: ${sent.status}`);
  }

  beforeAll(async () => {
    web = await startWebAppServer({ MESSAGING_POLICY: 'appointment' });
    server = web.server;
    [doctor, patient] = await Promise.all([
      registerUser(server.url, { role: 'practitioner', name: 'Dr. Maya Okafor' }),
      registerUser(server.url, { role: 'patient', name: 'Sam Rivera' }),
    ]);
    ({ conversationId } = await acceptedAppointment(server.url, patient, doctor));
  }, 240_000);

  afterEach(() => browsers.closeAll(), 60_000);
  afterAll(() => web?.close(), 60_000);

  it('asks for no session refresh on a first load without a session', async () => {
    const { page } = await browsers.open();
    const refreshes: number[] = [];
    const errors: string[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname === '/api/auth/refresh') refreshes.push(r.status());
    });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(refreshes).toEqual([]);
    expect(errors).toEqual([]);

    // Signed in, a reload still resumes the session from the cookie.
    await signIn(page, server.url, patient.email, patient.password);
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(refreshes).toEqual([200]);

    // Signed out, the next load is quiet again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(refreshes).toEqual([200]);
    expect(errors).toEqual([]);
  }, 90_000);

  it('opens a chat with photos on the newest message, and stays there as they load', async () => {
    const robin = await registerUser(server.url, { role: 'patient', name: 'Robin Photo' });
    const { conversationId: photos } = await acceptedAppointment(server.url, robin, doctor);
    for (let i = 1; i <= 6; i++) await sendPhoto(robin, photos, `Photo ${i}`);
    const d = await browserFor(doctor);
    await d.goto(`${server.url}/chat/${photos}`);
    await bubble(d, 'Photo 6').waitFor();
    const scroller = d.locator('.messages');
    await until(
      () =>
        scroller.evaluate((el) =>
          [...el.querySelectorAll('img')].slice(-3).every((img) => img.complete && img.naturalWidth > 0),
        ),
      'the newest photos loaded',
    );
    await until(
      () => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight <= 2),
      'the view at the very bottom',
      8_000,
    );
    const newest = await bubble(d, 'Photo 6').boundingBox();
    const view = await scroller.boundingBox();
    expect(newest!.y + newest!.height).toBeLessThanOrEqual(view!.y + view!.height + 1);
  }, 90_000);

  it('stays at the bottom when the browser moves the view down as the list grows above and below it', async () => {
    const kim = await registerUser(server.url, { role: 'patient', name: 'Kim Scroll' });
    const { conversationId: long } = await acceptedAppointment(server.url, kim, doctor);
    for (let i = 1; i <= 30; i++) await sendHttp(server.url, kim, long, `Line ${i}`);
    const d = await browserFor(doctor);
    await d.goto(`${server.url}/chat/${long}`);
    await bubble(d, 'Line 30').waitFor();
    const scroller = d.locator('.messages');
    const atTheBottom = () =>
      scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight <= 2);
    await until(atTheBottom, 'the view at the very bottom');
    // What scroll anchoring does when a photo above the view loads while another below grows the
    // list: the view moves down, but less than the list grew, and the scroll event comes before
    // the resize observer has followed the growth.
    await scroller.evaluate((el) => {
      const grown = document.createElement('div');
      grown.style.height = '300px';
      el.querySelector('[role="log"]')!.append(grown);
      el.scrollTop += 50;
      el.dispatchEvent(new Event('scroll'));
    });
    await until(atTheBottom, 'the view back at the very bottom', 3_000);
  }, 90_000);

  it('shows the whole schedule when booking, week by week, and the time zone of the times', async () => {
    const hart = await registerUser(server.url, { role: 'practitioner', name: 'Dr. Lena Hart' });
    const windows = [1, 2, 3, 4, 5].map((day) => ({
      day_of_week: day,
      start: '08:00',
      end: '18:00',
      timezone: 'Europe/London',
    }));
    await request(server.url, 'PUT', `/api/practitioners/${hart.user.id}/schedule`, {
      token: hart.token,
      body: { windows },
    });
    const p = await browserFor(patient);
    await p.getByRole('heading', { name: 'Book an appointment' }).waitFor();
    await p.getByLabel('Find a practitioner').fill('Hart');
    await p.getByRole('button', { name: 'Dr. Lena Hart', exact: true }).click();
    await p.getByText('Times are in your time zone, Europe/London').waitFor();
    await expectNoSeriousViolations(p, 'booking, a week of free times');

    // A whole working day, 08:00 to the last half hour at 17:30: twenty slots.
    const days = p.locator('.slot-day');
    await days.first().waitFor();
    await p.getByRole('button', { name: 'Next week' }).click();
    await until(async () => (await days.count()) === 5, 'the five working days of the next week');
    for (let i = 0; i < 5; i++) {
      const slots = days.nth(i).locator('.slot');
      expect(await slots.count()).toBe(20);
      expect(await slots.first().textContent()).toBe('08:00');
      expect(await slots.last().textContent()).toBe('17:30');
    }
    const second = await days.first().locator('.slot-day-name').textContent();
    await p.getByRole('button', { name: 'Next week' }).click();
    await until(
      async () => (await days.first().locator('.slot-day-name').textContent()) !== second,
      'the week after',
    );
    await p.getByRole('button', { name: 'Previous week' }).click();
    await until(
      async () => (await days.first().locator('.slot-day-name').textContent()) === second,
      'back a week',
    );
  }, 90_000);

  it('shows a closed conversation without a composer, saying why and what to do instead', async () => {
    const casey = await registerUser(server.url, { role: 'patient', name: 'Casey Closed' });
    const { appointment, conversationId: closed } = await acceptedAppointment(server.url, casey, doctor);
    await request(server.url, 'POST', `/api/appointments/${appointment.id}/cancel`, { token: casey.token });
    const p = await browserFor(casey);
    await p.goto(`${server.url}/chat/${closed}`);
    const banner = p.getByRole('note', { name: 'This conversation is closed' });
    await banner.getByText('Messaging opens once the appointment is accepted').waitFor();
    expect(await composer(p).count()).toBe(0);
    await expectNoSeriousViolations(p, 'closed conversation');
    await banner.getByRole('link', { name: 'Book a new appointment' }).click();
    await p.getByRole('heading', { name: 'Book an appointment' }).waitFor();
  }, 90_000);

  it('takes the composer away when a conversation closes while it is open', async () => {
    const jamie = await registerUser(server.url, { role: 'patient', name: 'Jamie Block' });
    const { conversationId: blocked } = await acceptedAppointment(server.url, jamie, doctor);
    const d = await browserFor(doctor);
    await d.goto(`${server.url}/chat/${blocked}`);
    await composer(d).waitFor();
    const block = await request(server.url, 'PUT', `/api/blocks/${doctor.user.id}`, { token: jamie.token });
    expect(block.status).toBe(200);
    // The block sends nothing to the practitioner. Either the app reloads its list first (its
    // socket has just synced), or the next send is refused: both ways the composer gives way.
    try {
      await composer(d).fill('Are you still there?', { timeout: 3_000 });
      await composer(d).press('Enter', { timeout: 3_000 });
    } catch {
      expect(await composer(d).count()).toBe(0);
    }
    const banner = d.getByRole('note', { name: 'This conversation is closed' });
    await banner.getByText('Messaging is blocked').waitFor({ timeout: 15_000 });
    await untilCount(composer(d), 0, 'the composer gone', 15_000);
  }, 90_000);

  it('quotes the current text of an edited message', async () => {
    const original = await sendHttp(server.url, doctor, conversationId, 'Please take 5 mg');
    const quoted = original.body.message;
    await request(server.url, 'POST', `/api/conversations/${conversationId}/messages`, {
      token: patient.token,
      body: { client_msg_id: 'reply-dose', content: 'Is that with food?', reply_to: quoted.message_id },
    });
    const p = await browserFor(patient);
    await p.goto(`${server.url}/chat/${conversationId}`);
    const reply = bubble(p, 'Is that with food?');
    await reply.getByRole('button', { name: /^Reply to Dr\. Maya Okafor: Please take 5 mg/ }).waitFor();
    const edited = await request<{ message: Message }>(
      server.url,
      'PATCH',
      `/api/messages/${quoted.message_id}`,
      {
        token: doctor.token,
        body: { content: 'Please take 10 mg' },
      },
    );
    expect(edited.status).toBe(200);
    await reply.getByRole('button', { name: /^Reply to Dr\. Maya Okafor: Please take 10 mg/ }).waitFor({
      timeout: 10_000,
    });
  }, 90_000);

  it('does not show the other person online while this browser is offline', async () => {
    const socket = await TestSocket.connect(`${server.wsUrl}/ws`, { token: doctor.token });
    try {
      const browser = await browsers.open();
      const p = browser.page;
      await signIn(p, server.url, patient.email, patient.password);
      await p.goto(`${server.url}/chat/${conversationId}`);
      const status = p.locator('.pane-title');
      await status.getByText('Online', { exact: true }).waitFor();
      await browser.context.setOffline(true);
      await p.getByTestId('connection-banner').getByText('You are offline').waitFor();
      await untilCount(status.getByText('Online', { exact: true }), 0, 'no "Online" while offline', 10_000);
      await browser.context.setOffline(false);
      await status.getByText('Online', { exact: true }).waitFor({ timeout: 45_000 });
    } finally {
      socket.ws.close();
    }
  }, 120_000);

  it('keeps the action pill off the timestamps at phone width', async () => {
    await sendHttp(server.url, patient, conversationId, 'A first longer message from me, about the dose.');
    await sendHttp(server.url, patient, conversationId, 'And a second one, right after the first.');
    const p = await browserFor(patient, PHONE);
    await p.goto(`${server.url}/chat/${conversationId}`);
    const second = bubble(p, 'And a second one, right after the first.');
    await second.waitFor();
    await second.hover();
    const pill = second.locator('.msg-actions');
    await until(
      async () => (await pill.evaluate((el) => getComputedStyle(el).opacity)) === '1',
      'the pill shown',
    );
    const box = (await pill.boundingBox())!;
    const times = await p.getByRole('log').locator('time').all();
    for (const time of times) {
      const t = await time.boundingBox();
      if (!t) continue;
      const overlaps =
        box.x < t.x + t.width &&
        t.x < box.x + box.width &&
        box.y < t.y + t.height &&
        t.y < box.y + box.height;
      expect(overlaps, `the pill covers the time ${await time.textContent()}`).toBe(false);
    }
  }, 90_000);

  it('serves the built assets precompressed and keeps source maps private', async () => {
    const files = readdirSync(join(web.dist, 'assets'));
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    const script = files.find((f) => f.endsWith('.js'))!;
    expect(files).toEqual(expect.arrayContaining([`${script}.br`, `${script}.gz`]));
    const plain = readFileSync(join(web.dist, 'assets', script), 'utf8');
    for (const encoding of ['br', 'gzip']) {
      const res = await fetch(`${server.url}/assets/${script}`, { headers: { 'accept-encoding': encoding } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-encoding')).toBe(encoding);
      expect(res.headers.get('vary')).toMatch(/accept-encoding/i);
      expect(res.headers.get('content-type')).toContain('javascript');
      expect(await res.text()).toBe(plain);
    }
    const map = await fetch(`${server.url}/assets/${script}.map`);
    expect(map.status).toBe(404);
  });
});
