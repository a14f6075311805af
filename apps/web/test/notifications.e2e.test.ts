import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NotificationSettingsResponse } from '@carechat/protocol';
import type { CDPSession } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openConversation,
  registerUser,
  request,
  sendHttp,
  type TestUser,
} from '../../../packages/server/test/helpers/http.js';
import { type NotifyParts, startNotifyParts } from '../../../packages/server/test/helpers/notify-parts.js';
import type { PushEndpoint } from '../../../packages/server/test/helpers/push-endpoint.js';
import { startServer, type TestServer } from '../../../packages/server/test/helpers/server.js';
import { type Browser, buildWebApp, DESKTOP, openBrowser, signIn } from './helpers/browser.js';
import { until } from './helpers/wait.js';

/**
 * Notifications in Chromium: the settings panel changes the person's settings on the server, and
 * the app's real service worker shows what the server pushes and takes it back once read. The
 * push crosses a real Web Push hop first (the server encrypts to a local push service, which
 * decrypts it), then is handed to the service worker through DevTools, because Chromium's own
 * subscription needs Google's push service, which a test machine cannot reach.
 */

describe('notifications in the web app (Chromium)', () => {
  let dist: string;
  let server: TestServer;
  let parts: NotifyParts;
  let push: PushEndpoint;
  let patient: TestUser;
  let doctor: TestUser;
  let browser: Browser;

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'carechat-web-dist-'));
    await buildWebApp(dist);
    parts = await startNotifyParts();
    push = parts.push;
    server = await startServer({
      pushAgent: push.agent,
      env: {
        ...parts.env,
        WEB_DIST_DIR: dist,
        NOTIFY_LADDER_PATIENT: 'push@0s,email@60m',
        NOTIFY_CHECK_MS: '100',
      },
    });
    patient = await registerUser(server.url, { role: 'patient', name: 'Push Patient' });
    doctor = await registerUser(server.url, { role: 'practitioner', name: 'Dr Push' });
    browser = await openBrowser({ viewport: DESKTOP });
    await browser.context.grantPermissions(['notifications'], { origin: server.url });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await parts?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
  }, 60_000);

  const settings = async () =>
    (
      await request<NotificationSettingsResponse>(server.url, 'GET', '/api/me/notifications', {
        token: patient.token,
      })
    ).body;

  it('the settings panel turns email off and sets quiet hours in the person’s time zone', async () => {
    const page = browser.page;
    await signIn(page, server.url, patient.email, patient.password);
    await page.getByText('Notifications', { exact: true }).click();
    const panel = page.getByRole('region', { name: 'Notification settings' });
    await panel.getByText('Notifications never contain your messages or who wrote them.').waitFor();
    await panel.getByLabel('Email when a message stays unread').uncheck();
    await until(async () => !(await settings()).email_enabled, 'email off on the server');
    await panel.getByLabel('Nothing between').check();
    await until(async () => (await settings()).quiet_hours !== null, 'quiet hours on the server');
    expect((await settings()).quiet_hours).toEqual({
      start: '22:00',
      end: '07:00',
      time_zone: 'Europe/London',
    });
    await panel.getByLabel('Quiet hours start').fill('23:30');
    await until(async () => (await settings()).quiet_hours?.start === '23:30', 'the new start on the server');
    await panel.getByLabel('Nothing between').uncheck();
    await until(async () => (await settings()).quiet_hours === null, 'quiet hours off');
  });

  it('the service worker shows the push the server sent, with nothing of the message, and withdraws it once read', async () => {
    const page = browser.page;
    const conversation = await openConversation(server.url, doctor, patient);
    const device = push.subscribe('e2e-device');
    expect(
      (
        await request(server.url, 'POST', '/api/me/push-subscriptions', {
          token: patient.token,
          body: device.json,
        })
      ).status,
    ).toBe(204);

    // The app's own service worker, from the built app.
    const cdp = await browser.context.newCDPSession(page);
    const registrations: string[] = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
      for (const r of e.registrations) if (!r.isDeleted) registrations.push(r.registrationId);
    });
    await cdp.send('ServiceWorker.enable');
    await page.evaluate(async () => {
      await navigator.serviceWorker.register('/sw.js');
      await navigator.serviceWorker.ready;
    });
    await until(async () => registrations.length > 0, 'the service worker registration');

    expect((await sendHttp(server.url, doctor, conversation.id, 'Your scan shows a fracture')).status).toBe(
      201,
    );
    await until(async () => push.received.length === 1, 'the push at the push service');
    const shown = await deliver(cdp, registrations[0]!, push.received[0]!.text);
    expect(shown).toEqual([
      {
        title: 'carechat',
        body: 'You have a new message. Open carechat to read it.',
        tag: `conversation:${conversation.id}`,
      },
    ]);

    await request(server.url, 'POST', `/api/conversations/${conversation.id}/read`, {
      token: patient.token,
      body: { seq: 1 },
    });
    await until(async () => push.received.length === 2, 'the withdrawal at the push service');
    expect(JSON.parse(push.received[1]!.text)).toMatchObject({ type: 'withdraw' });
    expect(await deliver(cdp, registrations[0]!, push.received[1]!.text)).toEqual([]);
    expect(push.rejected).toEqual([]);
  });

  it('turning notifications on registers the app’s service worker', async () => {
    const fresh = await openBrowser({ viewport: DESKTOP });
    try {
      await signIn(fresh.page, server.url, doctor.email, doctor.password);
      const prompt = fresh.page.getByRole('region', { name: 'Notifications' });
      await prompt.getByText('even when carechat is closed').waitFor();
      // The person says yes when the browser asks.
      await fresh.context.grantPermissions(['notifications'], { origin: server.url });
      await prompt.getByRole('button', { name: 'Turn on notifications' }).click();
      await until(
        async () =>
          (await fresh.page.evaluate(
            async () => (await navigator.serviceWorker.getRegistration('/sw.js'))?.active?.scriptURL ?? '',
          )) === `${server.url}/sw.js`,
        'the service worker to be active',
      );
    } finally {
      await fresh.close();
    }
  });

  /** Hands a decrypted push to the service worker, as the browser would, and lists what it shows. */
  async function deliver(cdp: CDPSession, registrationId: string, data: string) {
    const before = await shownNotifications();
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: `${server.url}/`, registrationId, data });
    const expectChange = JSON.parse(data).type === 'withdraw' ? before.length - 1 : before.length + 1;
    await until(
      async () => (await shownNotifications()).length === expectChange,
      'the service worker to act',
    );
    return shownNotifications();
  }

  function shownNotifications() {
    return browser.page.evaluate(async () =>
      (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
        title: n.title,
        body: n.body,
        tag: n.tag,
      })),
    );
  }
});
