/**
 * `npm run screenshots`: starts a server with the demo data (plus a livelier conversation),
 * drives Debian's Chromium through the web app as the demo patient and practitioner, and writes
 * docs/screenshots/*.png (the README shows chat.png; team-inbox*.png show the team inbox). Pass --no-build to reuse apps/web/dist.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthResponse, Conversation, Message } from '@carechat/protocol';
import type { Page } from 'playwright-core';
import {
  type Browser,
  buildWebApp,
  DESKTOP,
  openBrowser,
  PHONE,
  REPO_ROOT,
  signIn,
} from '../apps/web/test/helpers/browser.js';
import { type App, buildApp } from '../packages/server/src/app.js';
import { MemoryBus } from '../packages/server/src/bus/memory-bus.js';
import { loadConfig } from '../packages/server/src/config.js';
import { DEMO_PASSWORD, seedDemo } from '../packages/server/src/demo.js';
import { openStore } from '../packages/server/src/store/open-store.js';

const OUT = join(REPO_ROOT, 'docs/screenshots');
const dist = join(REPO_ROOT, 'apps/web/dist');

async function main(): Promise<void> {
  if (!process.argv.includes('--no-build')) await buildWebApp(dist);
  const dataDir = mkdtempSync(join(tmpdir(), 'carechat-screens-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    WEB_DIST_DIR: dist,
    DOCTOR_READY_CHECK_SECONDS: '0',
  });
  const store = await openStore({ url: config.databaseUrl });
  const bus = new MemoryBus();
  const app = await buildApp(config, { store, bus });
  await seedDemo(app.core);
  const { url } = await app.listen(0, '127.0.0.1');
  const browsers: Browser[] = [];
  try {
    const sam = await api(url, 'sam.rivera@example.com');
    const okafor = await api(url, 'dr.okafor@example.com');
    const conversation = await samsChat(url, sam.token);
    await liven(url, conversation, sam.token, okafor.token);

    mkdirSync(OUT, { recursive: true });
    // The practitioner is online (her dot is green) and answering.
    const doctor = await openBrowser({ viewport: DESKTOP });
    browsers.push(doctor);
    await quiet(doctor);
    await signIn(doctor.page, url, 'dr.okafor@example.com', DEMO_PASSWORD);
    await doctor.page.getByRole('heading', { name: 'Appointment requests' }).waitFor();
    await doctor.page.getByText('Jordan Lee').first().waitFor();
    await shot(doctor.page, 'practitioner-dashboard.png');

    const patient = await openBrowser({ viewport: DESKTOP });
    browsers.push(patient);
    await quiet(patient);
    await signIn(patient.page, url, 'sam.rivera@example.com', DEMO_PASSWORD);
    await patient.page.getByRole('heading', { name: 'My appointments' }).waitFor();
    await patient.page.getByRole('button', { name: 'Dr. Maya Okafor', exact: true }).click();
    await patient.page.locator('.slot').first().click();
    await shot(patient.page, 'patient-dashboard.png');

    await patient.page.goto(`${url}/chat/${conversation.id}`);
    await patient.page.getByRole('log').getByText('see you on Tuesday').waitFor();
    await patient.page.getByRole('log').getByRole('img', { name: 'Read' }).last().waitFor();
    await typing(url, conversation.id, okafor.token);
    await patient.page.getByTestId('typing-indicator').getByText('is typing').waitFor();
    await shot(patient.page, 'chat.png');

    await patient.page.setViewportSize(PHONE);
    await typing(url, conversation.id, okafor.token);
    await shot(patient.page, 'chat-phone.png');
    await patient.page.goto(`${url}/chat`);
    await patient.page
      .getByRole('link', { name: /Dr\. Maya Okafor/ })
      .first()
      .waitFor();
    await shot(patient.page, 'conversations-phone.png');
    await patient.page.goto(`${url}/`);
    await patient.page.getByRole('heading', { name: 'My appointments' }).waitFor();
    await shot(patient.page, 'patient-dashboard-phone.png');

    const visitor = await openBrowser({ viewport: DESKTOP });
    browsers.push(visitor);
    await visitor.page.goto(`${url}/login`);
    await visitor.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(visitor.page, 'login.png');
    await teamInboxShots(url, app.core, browsers);
    process.stdout.write(`screenshots written to ${OUT}\n`);
  } finally {
    for (const browser of browsers) await browser.close();
    await app.close();
    await bus.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The team inbox (issue 14): a practice of Dr. Okafor and Dr. Nair whose patients Sam and Jordan
 * write to it; Sam's conversation is Dr. Nair's, Jordan waits. Seen by Dr. Nair at desktop and phone
 * width.
 */
async function teamInboxShots(url: string, core: App['core'], browsers: Browser[]): Promise<void> {
  const admin = { userId: 'screens-admin', role: 'admin' as const, sessionId: '' };
  const idOf = async (email: string) => {
    const user = await core.store.findUserByEmail(email);
    if (!user) throw new Error(`no demo user ${email}`);
    return { userId: user.id, role: user.role, sessionId: '' };
  };
  const [okafor, nair, sam, jordan] = await Promise.all(
    ['dr.okafor@example.com', 'dr.nair@example.com', 'sam.rivera@example.com', 'jordan.lee@example.com'].map(
      idOf,
    ),
  );
  if (!okafor || !nair || !sam || !jordan) throw new Error('demo users missing');
  // Jordan's request accepted, so Jordan is the team's patient too.
  const [request] = await core.appointments.list(jordan, 'requested');
  if (request) await core.appointments.move(okafor, request.id, 'accept');
  // The demo's practice (Dr. Okafor and Dr. Nair), where Sam already wrote.
  const [practice] = await core.practices.list(admin);
  if (!practice) throw new Error('the demo data has no practice');
  /** The patient's conversation with the practice, with these messages from them. */
  const write = async (patient: typeof sam, texts: string[]) => {
    const { conversation } = await core.teamInbox.open(patient, practice.id, undefined);
    for (const [i, content] of texts.entries()) {
      await core.messages.send(patient, conversation.id, {
        clientMsgId: `inbox-${patient.userId}-${i}`,
        content,
      });
    }
    return conversation.id;
  };
  const samChat = await write(sam, []);
  await core.messages.send(nair, samChat, {
    clientMsgId: 'inbox-nair-1',
    content: 'Hello Sam, I will renew it today. Any side effects since the change?',
  });
  await core.messages.send(sam, samChat, { clientMsgId: 'inbox-sam-2', content: 'None at all, thank you.' });
  await core.teamInbox.assign(nair, practice.id, samChat, nair.userId);
  await write(jordan, ['Hello, is it fine to eat before the blood test on Thursday?']);

  const staff = await openBrowser({ viewport: DESKTOP });
  browsers.push(staff);
  await quiet(staff);
  await signIn(staff.page, url, 'dr.nair@example.com', DEMO_PASSWORD);
  await staff.page.goto(`${url}/inbox/${practice.id}/${samChat}`);
  await staff.page.getByRole('log').getByText('None at all, thank you.').waitFor();
  await staff.page.getByTestId('relationship').waitFor();
  await shot(staff.page, 'team-inbox.png');
  await staff.page.setViewportSize(PHONE);
  await staff.page.goto(`${url}/inbox/${practice.id}`);
  await staff.page.getByRole('list', { name: 'Patient conversations' }).getByText('Jordan Lee').waitFor();
  await shot(staff.page, 'team-inbox-phone.png');
}

/** No notification question in the pictures: the permission is already granted. */
async function quiet(browser: Browser): Promise<void> {
  await browser.context.grantPermissions(['notifications']);
}

async function shot(page: Page, name: string): Promise<void> {
  // Fonts in, animations settled.
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: join(OUT, name), animations: 'disabled', caret: 'hide' });
}

async function call<T>(
  url: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function api(url: string, email: string): Promise<{ token: string }> {
  const auth = await call<AuthResponse>(url, 'POST', '/api/auth/login', undefined, {
    email,
    password: DEMO_PASSWORD,
  });
  return { token: auth.access_token };
}

async function samsChat(url: string, token: string): Promise<Conversation> {
  const { conversations } = await call<{ conversations: Conversation[] }>(
    url,
    'GET',
    '/api/conversations',
    token,
  );
  const chat = conversations.find(
    (c) => c.kind === 'direct' && c.participants.some((p) => p.user.name === 'Dr. Maya Okafor'),
  );
  if (!chat) throw new Error('the demo data has no chat between Sam and Dr. Okafor');
  return chat;
}

/** A few more turns: a reply with its quote, an attachment, a reaction, an edit, read receipts. */
async function liven(url: string, conversation: Conversation, sam: string, okafor: string): Promise<void> {
  const path = `/api/conversations/${conversation.id}`;
  let n = 0;
  const say = async (token: string, content: string, extra: Record<string, unknown> = {}) =>
    (
      await call<{ message: Message }>(url, 'POST', `${path}/messages`, token, {
        client_msg_id: `screens-${++n}`,
        content,
        ...extra,
      })
    ).message;
  const question = await say(okafor, 'Good to hear. Any dizziness in the mornings since we changed it?');
  await say(sam, 'A little on Monday, nothing since then.', { reply_to: question.message_id });
  const form = new FormData();
  form.append('file', new Blob([minimalPdf()], { type: 'application/pdf' }), 'blood-test-results.pdf');
  const upload = await fetch(`${url}${path}/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sam}` },
    body: form,
  });
  const { attachment } = (await upload.json()) as { attachment: { id: string } };
  const results = await say(sam, 'Here are the results from the lab this week.', {
    attachments: [{ id: attachment.id }],
  });
  await call(url, 'PUT', `/api/messages/${results.message_id}/reactions/${encodeURIComponent('👍')}`, okafor);
  const plan = await say(
    okafor,
    'Thanks, the results look fine. Let us keep the same dose and talk on Tuesday.',
  );
  await call(url, 'PATCH', `/api/messages/${plan.message_id}`, okafor, {
    content: 'Thank you, the results look fine. Let us keep the same dose and talk again on Tuesday.',
  });
  const last = await say(sam, 'Perfect, see you on Tuesday. Thank you, doctor!');
  await call(url, 'POST', `${path}/read`, okafor, { seq: last.seq });
}

async function typing(url: string, conversationId: string, token: string): Promise<void> {
  await call(url, 'POST', `/api/conversations/${conversationId}/typing`, token, { is_typing: true });
}

function minimalPdf(): string {
  return '%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n';
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`screenshots failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
