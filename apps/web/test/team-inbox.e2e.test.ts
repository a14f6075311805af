import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Practice } from '@carechat/protocol';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../packages/server/src/core/passwords.js';
import {
  registerUser,
  request,
  sendHttp,
  type TestUser,
} from '../../../packages/server/test/helpers/http.js';
import { createPractice, openPracticeConversation } from '../../../packages/server/test/helpers/practices.js';
import { createAdmin, TEST_SERVER_API_KEY } from '../../../packages/server/test/helpers/security.js';
import { startServer, type TestServer } from '../../../packages/server/test/helpers/server.js';
import { seriousViolations } from './helpers/axe.js';
import { type Browser, buildWebApp, DESKTOP, openBrowser, PHONE, signIn } from './helpers/browser.js';
import { acceptedAppointment } from './helpers/care.js';
import { until, untilCount } from './helpers/wait.js';

const NOTICE = 'In an emergency, call your local emergency number.';

/**
 * The clinic's inbox in a real browser (issue 14): a patient writes to the practice outside its
 * hours and is told when to expect a reply, once; two members triage the conversation, see each
 * other viewing and replying, and one answers with a saved reply while the other watches; the new
 * screens pass axe-core and work from the keyboard.
 */
describe('team inbox in Chromium', () => {
  let dist: string;
  let server: TestServer;
  let patient: TestUser;
  let doctor: TestUser;
  let nurse: TestUser;
  let practice: Practice;
  let conversationId: string;
  const browsers: Browser[] = [];

  const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
  const inboxList = (page: Page) => page.getByRole('list', { name: 'Patient conversations' });
  const row = (page: Page) => inboxList(page).getByRole('link', { name: /Sam Rivera/ });

  async function browser(user: TestUser, viewport = DESKTOP): Promise<Page> {
    const b = await openBrowser({ viewport });
    browsers.push(b);
    await signIn(b.page, server.url, user.email, user.password);
    return b.page;
  }

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'carechat-web-dist-'));
    await buildWebApp(dist);
    server = await startServer({
      env: { WEB_DIST_DIR: dist, MESSAGING_POLICY: 'appointment', SERVER_API_KEY: TEST_SERVER_API_KEY },
    });
    [patient, doctor, nurse] = await Promise.all([
      registerUser(server.url, { role: 'patient', name: 'Sam Rivera' }),
      registerUser(server.url, { role: 'practitioner', name: 'Dr. Priya Nair' }),
      registerUser(server.url, { role: 'practitioner', name: 'Tom Ode' }),
    ]);
    await acceptedAppointment(server.url, patient, doctor);
    // The practice works tomorrow only (by UTC weekday), so now is outside its hours.
    const tomorrow = (new Date().getUTCDay() + 1) % 7;
    await request(server.url, 'PUT', `/api/practitioners/${doctor.user.id}/schedule`, {
      token: doctor.token,
      body: { windows: [{ day_of_week: tomorrow, start: '09:00', end: '17:00', timezone: 'UTC' }] },
    });
    const admin = await createAdmin(server.url);
    practice = await createPractice(
      server.url,
      admin,
      'Riverside Practice',
      [
        [doctor, 'practitioner'],
        [nurse, 'nurse'],
      ],
      NOTICE,
    );
    await request(server.url, 'POST', `/api/practices/${practice.id}/saved-replies`, {
      token: doctor.token,
      body: { title: 'Prescription renewed', text: 'Hello {first_name}, your prescription is renewed.' },
    });
  }, 240_000);

  afterAll(async () => {
    for (const b of browsers) await b.close();
    await server?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
  }, 60_000);

  it('a patient who writes outside hours sees when to expect a reply and the notice, once', async () => {
    const p = await browser(patient);
    await p.getByRole('heading', { name: 'My care teams' }).waitFor();
    await p.getByRole('button', { name: 'Write to Riverside Practice' }).click();
    await composer(p).waitFor();
    // The patient writes to the practice, named as such.
    await p.getByRole('heading', { name: 'Riverside Practice', level: 2 }).waitFor();
    conversationId = decodeURIComponent(new URL(p.url()).pathname.split('/').at(-1) ?? '');
    expect(conversationId).toMatch(/^cnv_/);

    await composer(p).fill('My prescription ran out');
    await composer(p).press('Enter');
    const note = p.getByTestId('reply-expectation');
    await note.waitFor();
    expect(await note.textContent()).toContain(NOTICE);
    // Tomorrow 09:00 UTC, shown in the browser's zone (London: 09:00 in winter, 10:00 in summer).
    const opening = new Date();
    opening.setUTCDate(opening.getUTCDate() + 1);
    opening.setUTCHours(9, 0, 0, 0);
    const shown = new Intl.DateTimeFormat('en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      timeZone: 'Europe/London',
    }).format(opening);
    expect(await note.textContent()).toContain('You can expect a reply from');
    expect(await note.textContent()).toContain(shown);
    // A second message in the same absence: still one note, not one per message.
    await composer(p).fill('It is the blue inhaler');
    await composer(p).press('Enter');
    await p.getByRole('log').getByText('It is the blue inhaler', { exact: true }).waitFor();
    await untilCount(p.getByTestId('reply-expectation'), 1, 'one expectation note');
    const violations = await seriousViolations(p);
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
  }, 60_000);

  it('two members triage; one answers with a saved reply while the other sees it happening', async () => {
    // The patient's conversation with the practice (found, or opened if this runs alone), waiting.
    const opened = await openPracticeConversation(server.url, patient, practice.id);
    conversationId = opened.body.conversation.id;
    await sendHttp(server.url, patient, conversationId, 'Is anyone there?');
    const d = await browser(doctor);
    const n = await browser(nurse);
    for (const page of [d, n]) {
      await page.getByRole('link', { name: /Riverside Practice: open the team inbox/ }).click();
      await row(page).waitFor();
    }
    expect(await row(d).textContent()).toContain('Unassigned');
    expect(await row(d).textContent()).toMatch(/waiting/);
    // Filters: it needs a reply; it is assigned to no one.
    await d.getByRole('button', { name: 'Needs reply' }).click();
    await row(d).waitFor();
    await d.getByRole('button', { name: 'Assigned to me' }).click();
    await inboxList(d).waitFor({ state: 'detached' });
    await d.getByRole('button', { name: 'All', exact: true }).click();

    // Both open it: each sees the other viewing.
    await row(n).click();
    await row(d).click();
    await until(
      async () =>
        ((await d.getByTestId('colleagues-viewing').textContent()) ?? '').includes(
          'Tom is viewing this conversation',
        ),
      'the doctor seeing the nurse viewing',
    );
    await until(
      async () =>
        ((await n.getByTestId('colleagues-viewing').textContent()) ?? '').includes(
          'Dr. Nair is viewing this conversation',
        ),
      'the nurse seeing the doctor viewing',
    );

    // The nurse takes it: the doctor's inbox shows it assigned, live.
    await n.getByLabel('Assigned to').selectOption({ label: 'Tom Ode (you) · Nurse' });
    await until(
      async () => ((await row(d).textContent()) ?? '').includes('Assigned to Tom Ode'),
      'the assignment reaching the doctor',
    );

    // The nurse types "/" and picks the saved reply, filled in for the patient, from the keyboard.
    await composer(n).click();
    await n.keyboard.type('/presc');
    await n.getByRole('option', { name: /Prescription renewed/ }).waitFor();
    // The open picker passes axe-core too.
    const pickerViolations = await seriousViolations(n);
    expect(pickerViolations, JSON.stringify(pickerViolations, null, 2)).toEqual([]);
    await n.keyboard.press('Enter');
    expect(await composer(n).inputValue()).toBe('Hello Sam, your prescription is renewed.');
    await n.keyboard.type(' Take care.');
    await d.getByTestId('typing-indicator').getByText('Tom Ode is replying…').waitFor();
    await n.keyboard.press('Enter');

    await d
      .getByRole('log')
      .getByText('Hello Sam, your prescription is renewed. Take care.', { exact: true })
      .waitFor();
    await until(
      async () => !((await row(d).textContent()) ?? '').includes('waiting'),
      'the patient no longer waiting',
    );
  }, 120_000);

  it('the team inbox passes axe-core at desktop and phone width and works from the keyboard', async () => {
    conversationId = (await openPracticeConversation(server.url, patient, practice.id)).body.conversation.id;
    const d = await browser(doctor);
    await d.goto(`${server.url}/inbox/${practice.id}/${conversationId}`);
    await d.getByRole('heading', { name: 'Sam Rivera', level: 2 }).first().waitFor();
    await d.getByTestId('relationship').waitFor();
    let violations = await seriousViolations(d);
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);

    // Book a visit for the patient from beside the conversation, then cancel it.
    const when = new Date(Date.now() + 3 * 86_400_000);
    const local = `${when.getFullYear()}-${String(when.getMonth() + 1).padStart(2, '0')}-${String(when.getDate()).padStart(2, '0')}T10:00`;
    await d.getByLabel(/^Starts/).fill(local);
    await d.getByRole('button', { name: 'Book', exact: true }).click();
    const cancel = d.getByRole('button', { name: /Cancel the visit of/ });
    await untilCount(cancel, 2, 'the booked visit beside the accepted one');
    await cancel.last().click();
    await untilCount(cancel, 1, 'the visit cancelled');
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);

    // From the keyboard: Tab to a filter and press it.
    const mine = d.getByRole('button', { name: 'Assigned to me' });
    for (let i = 0; i < 40 && !(await mine.evaluate((el) => el === document.activeElement)); i++) {
      await d.keyboard.press('Tab');
    }
    expect(await mine.evaluate((el) => el === document.activeElement)).toBe(true);
    await d.keyboard.press('Enter');
    expect(await mine.getAttribute('aria-pressed')).toBe('true');

    // The saved replies are written beside the inbox when no conversation is open.
    await d.goto(`${server.url}/inbox/${practice.id}`);
    await d.getByRole('heading', { name: 'Saved replies' }).waitFor();
    violations = await seriousViolations(d);
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
    await d.getByLabel('Title').fill('Running late');
    await d.getByLabel('Text', { exact: true }).fill('Hello {first_name}, the doctor runs 15 minutes late.');
    await d.keyboard.press('Tab');
    await d.keyboard.press('Enter');
    await d.getByRole('button', { name: 'Remove the saved reply Running late' }).waitFor();

    const phone = await browser(nurse, PHONE);
    await phone.goto(`${server.url}/inbox/${practice.id}`);
    await row(phone).waitFor();
    violations = await seriousViolations(phone);
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
  }, 120_000);

  it('an admin creates a practice, sets its away notice and adds a member from the dashboard', async () => {
    const admin = { email: 'practice-admin@example.test', password: 'plum walrus lantern' };
    await server.store.insertUser({
      id: 'usr_practice_admin',
      email: admin.email,
      name: 'Ada Admin',
      role: 'admin',
      passwordHash: await hashPassword(admin.password),
      createdAt: new Date().toISOString(),
    });
    const page = await browser({ ...nurse, email: admin.email, password: admin.password });
    await page.getByRole('heading', { name: 'Practices' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Hillside Clinic');
    await page.getByLabel(/^Away notice \(shown/).fill('Call 112 in an emergency.');
    await page.getByRole('button', { name: 'Create practice' }).click();
    const section = page.getByRole('region', { name: 'Hillside Clinic' });
    await section.waitFor();
    await section.getByLabel('Add a member (search by name)').fill('Tom');
    await section.getByLabel('As').selectOption('nurse');
    await section.getByRole('button', { name: 'Add Tom Ode as Nurse' }).click();
    await section
      .getByRole('list', { name: 'Members of Hillside Clinic' })
      .getByText('Tom Ode · Nurse')
      .waitFor();
    const violations = await seriousViolations(page);
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
    const listed = await request<{ practices: Practice[] }>(server.url, 'GET', '/api/practices', {
      token: nurse.token,
    });
    expect(listed.body.practices.find((p) => p.name === 'Hillside Clinic')).toMatchObject({
      away_notice: 'Call 112 in an emergency.',
      members: [{ user: { name: 'Tom Ode' }, role: 'nurse' }],
    });
  }, 120_000);
});
