import type { Conversation, NotificationSettingsResponse } from '@carechat/protocol';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/ports/clock.js';
import { notificationStoreFor } from '../src/store/notification-kysely-store.js';
import { securityStoreFor } from '../src/store/security-kysely-store.js';
import { putSchedule } from './helpers/care.js';
import { DIALECTS } from './helpers/dialects.js';
import { openConversation, registerUser, request, sendHttp, type TestUser } from './helpers/http.js';
import { type NotifyParts, startNotifyParts, TEST_PUBLIC_URL } from './helpers/notify-parts.js';
import type { PushEndpoint, TestSubscription } from './helpers/push-endpoint.js';
import { startServer, type TestServer } from './helpers/server.js';
import type { SmtpInbox } from './helpers/smtp-inbox.js';

const PUBLIC_URL = TEST_PUBLIC_URL;
const SECRET_CONTENT = 'Biopsy result: melanoma stage II, start methotrexate';
const PRACTITIONER_NAME = 'Dr Zebedee Marchbanks';
const PATIENT_NAME = 'Philippa Quarrington';
const MINUTE = 60_000;

describe.each(DIALECTS)(
  'notifications on %s: the ladder, over a real push service and SMTP server',
  (dialect) => {
    let parts: NotifyParts;
    let vapid: NotifyParts['vapid'];
    let push: PushEndpoint;
    let smtp: SmtpInbox;
    let clock: ManualClock;
    let server: TestServer;
    let doctor: TestUser;
    let patient: TestUser;
    let conversation: Conversation;

    beforeAll(async () => {
      parts = await startNotifyParts();
      ({ push, smtp, vapid } = parts);
    });
    afterAll(async () => {
      await parts.close();
    });

    beforeEach(async () => {
      push.received.length = 0;
      smtp.mails.length = 0;
      // Monday 10:00 UTC.
      clock = new ManualClock('2026-01-05T10:00:00.000Z');
      server = await startServer({
        dialect,
        clock,
        pushAgent: push.agent,
        env: {
          ...parts.env,
          // The suite runs the dispatcher itself, on its own clock.
          NOTIFY_CHECK_MS: '0',
          ACCESS_TOKEN_TTL_SECONDS: '86400',
        },
      });
      doctor = await registerUser(server.url, { role: 'practitioner', name: PRACTITIONER_NAME });
      patient = await registerUser(server.url, { role: 'patient', name: PATIENT_NAME });
      conversation = await openConversation(server.url, doctor, patient);
    });
    afterEach(async () => {
      await server.close();
    });

    const run = () => server.app.notifications.dispatcher.runOnce();
    const later = async (ms: number) => {
      clock.advance(ms);
      return run();
    };
    /** The trigger writes its rows just after the publish: a send's answer may come first. */
    const send = async (by: TestUser, content = SECRET_CONTENT, conversationId = conversation.id) => {
      const res = await sendHttp(server.url, by, conversationId, content);
      expect(res.status).toBe(201);
      await server.app.notifications.settled();
    };
    const subscribe = async (user: TestUser, name: string, token = user.token): Promise<TestSubscription> => {
      const sub = push.subscribe(`${name}-${dialect}-${Math.random().toString(36).slice(2)}`);
      const res = await request(server.url, 'POST', '/api/me/push-subscriptions', { token, body: sub.json });
      expect(res.status).toBe(204);
      return sub;
    };
    const pushesTo = (sub: TestSubscription) =>
      push.received
        .filter((p) => p.subscription === sub.name)
        .map((p) => JSON.parse(p.text) as Record<string, string>);

    it('a patient gets one push after 5 minutes unread and one email after 60, and they carry no health data', async () => {
      const phone = await subscribe(patient, 'phone');
      await send(doctor);
      expect(await run()).toBe(0);
      await later(5 * MINUTE - 1000);
      expect(push.received).toHaveLength(0);
      await later(1000);
      expect(pushesTo(phone)).toEqual([
        {
          type: 'message',
          tag: `conversation:${conversation.id}`,
          url: `${PUBLIC_URL}/chat/${conversation.id}`,
          title: 'carechat',
          body: 'You have a new message. Open carechat to read it.',
        },
      ]);
      expect(push.received[0]?.urgency).toBe('high');
      expect(push.received[0]?.topic).toMatch(/^[A-Za-z0-9_-]{32}$/);
      // A second message in the same unread streak: no second push, no second email.
      await send(doctor, 'Also: your HIV test came back positive');
      await later(10 * MINUTE);
      expect(push.received).toHaveLength(1);
      await later(45 * MINUTE);
      expect(smtp.mails).toHaveLength(1);
      await later(60 * MINUTE);
      expect(smtp.mails).toHaveLength(1);
      expect(push.received).toHaveLength(1);
      const counted = await server.app.metrics.registry.getSingleMetricAsString(
        'carechat_notifications_total',
      );
      expect(counted).toMatch(/step="push",outcome="sent"[^}]*} 1$/m);
      expect(counted).toMatch(/step="email",outcome="sent"[^}]*} 1$/m);

      const mail = smtp.mails[0]!;
      expect(mail.to).toEqual([patient.email]);
      expect(mail.decoded).toContain('Subject: You have an unread message on carechat');
      expect(mail.decoded).toContain(`${PUBLIC_URL}/chat/${conversation.id}`);
      expect(mail.decoded).toMatch(
        /List-Unsubscribe: <https:\/\/care\.example\.test\/api\/notifications\/unsubscribe\?token=/,
      );

      // Nothing of the conversation left carechat: not its content, not who is in it.
      const body = mail.decoded.slice(mail.decoded.indexOf('\r\n\r\n'));
      for (const leaked of [
        SECRET_CONTENT,
        'melanoma',
        'HIV',
        PRACTITIONER_NAME,
        'Zebedee',
        'Marchbanks',
        PATIENT_NAME,
        'Quarrington',
        doctor.email,
      ]) {
        for (const p of push.received) {
          expect(p.text).not.toContain(leaked);
          expect(p.raw.toString('latin1')).not.toContain(leaked);
        }
        expect(mail.raw).not.toContain(leaked);
        expect(mail.decoded).not.toContain(leaked);
      }
      // The recipient's own address is in the envelope and the To header, nowhere in the text.
      expect(body).not.toContain(patient.email);
      expect(push.rejected).toEqual([]);
    });

    it('a conversation read on any device sends nothing more, and the push already shown is withdrawn from every device', async () => {
      const phone = await subscribe(patient, 'phone');
      const second = await request<{ access_token: string }>(server.url, 'POST', '/api/auth/login', {
        body: { email: patient.email, password: patient.password },
      });
      const laptop = await subscribe(patient, 'laptop', second.body.access_token);
      await send(doctor);
      await later(5 * MINUTE);
      expect(pushesTo(phone)).toHaveLength(1);
      expect(pushesTo(laptop)).toHaveLength(1);
      const pushTopic = push.received[0]?.topic;

      // Read on the laptop.
      const read = await request(server.url, 'POST', `/api/conversations/${conversation.id}/read`, {
        token: second.body.access_token,
        body: { seq: 1 },
      });
      expect(read.status).toBe(200);
      await server.app.notifications.settled();
      await run();
      const withdraw = { type: 'withdraw', tag: `conversation:${conversation.id}` };
      expect(pushesTo(phone)[1]).toEqual(withdraw);
      expect(pushesTo(laptop)[1]).toEqual(withdraw);
      // Same topic: a push service still holding the first replaces it with the withdrawal.
      expect(push.received.at(-1)?.topic).toBe(pushTopic);

      await later(120 * MINUTE);
      expect(smtp.mails).toHaveLength(0);
      expect(push.received).toHaveLength(4);

      // A new message after the read starts a new ladder.
      await send(doctor, 'A new question');
      await later(5 * MINUTE);
      expect(pushesTo(phone)).toHaveLength(3);
    });

    it('a message deleted before its step is not announced', async () => {
      await subscribe(patient, 'phone');
      const sent = await sendHttp(server.url, doctor, conversation.id, 'Sent to the wrong person');
      await server.app.notifications.settled();
      const deleted = await request(server.url, 'DELETE', `/api/messages/${sent.body.message.message_id}`, {
        token: doctor.token,
      });
      expect(deleted.status).toBe(200);
      await later(2 * 60 * MINUTE);
      expect(push.received).toHaveLength(0);
      expect(smtp.mails).toHaveLength(0);
    });

    it('a muted conversation notifies nobody', async () => {
      await subscribe(patient, 'phone');
      const muted = await request(server.url, 'PATCH', `/api/conversations/${conversation.id}`, {
        token: patient.token,
        body: { muted: true },
      });
      expect(muted.status).toBe(200);
      await send(doctor);
      await later(2 * 60 * MINUTE);
      expect(push.received).toHaveLength(0);
      expect(smtp.mails).toHaveLength(0);
    });

    it('a conversation muted after the message stops its ladder at the next step', async () => {
      await subscribe(patient, 'phone');
      await send(doctor);
      await later(5 * MINUTE);
      expect(push.received).toHaveLength(1);
      await request(server.url, 'PATCH', `/api/conversations/${conversation.id}`, {
        token: patient.token,
        body: { muted: true },
      });
      await later(60 * MINUTE);
      expect(smtp.mails).toHaveLength(0);
    });

    it('a subscription the push service says is gone (410) is removed, and logout removes its device', async () => {
      const store = notificationStoreFor(server.store);
      const old = await subscribe(patient, 'old');
      const second = await request<{ access_token: string }>(server.url, 'POST', '/api/auth/login', {
        body: { email: patient.email, password: patient.password },
      });
      await subscribe(patient, 'current', second.body.access_token);
      old.gone = true;
      await send(doctor);
      await later(5 * MINUTE);
      const left = await store.listPushSubscriptions(patient.user.id);
      expect(left.map((s) => s.endpoint)).not.toContain(old.json.endpoint);
      expect(left).toHaveLength(1);

      const logout = await request(server.url, 'POST', '/api/auth/logout', {
        token: second.body.access_token,
      });
      expect(logout.status).toBe(204);
      await expect.poll(async () => (await store.listPushSubscriptions(patient.user.id)).length).toBe(0);
    });

    it('deleting the account removes every device, even one whose session had already ended', async () => {
      const store = notificationStoreFor(server.store);
      const second = await request<{ access_token: string }>(server.url, 'POST', '/api/auth/login', {
        body: { email: patient.email, password: patient.password },
      });
      const oldLaptop = await subscribe(patient, 'old-laptop', second.body.access_token);
      await subscribe(patient, 'phone');
      // The laptop's session ends on its own (idle logoff): its device stays subscribed.
      const laptop = (await store.listPushSubscriptions(patient.user.id)).find(
        (s) => s.endpoint === oldLaptop.json.endpoint,
      )!;
      await server.app.core.sessions.revoke(
        { userId: patient.user.id, sessionId: laptop.sessionId! },
        'idle',
      );
      await server.app.notifications.settled();
      expect(await store.listPushSubscriptions(patient.user.id)).toHaveLength(2);
      const deleted = await request(server.url, 'DELETE', '/api/me', {
        token: patient.token,
        body: { password: patient.password },
      });
      expect(deleted.status).toBe(204);
      await server.app.notifications.settled();
      expect(await store.listPushSubscriptions(patient.user.id)).toEqual([]);
      await send(doctor);
      await later(2 * 60 * MINUTE);
      expect(push.received).toHaveLength(0);
      expect(smtp.mails).toHaveLength(0);
    });

    it('push off, email off and quiet hours are each person’s, and every email’s unsubscribe link works without signing in', async () => {
      await subscribe(patient, 'phone');
      const settings = await request<NotificationSettingsResponse>(
        server.url,
        'GET',
        '/api/me/notifications',
        {
          token: patient.token,
        },
      );
      expect(settings.body).toEqual({
        push_enabled: true,
        email_enabled: true,
        quiet_hours: null,
        available: { push: true, email: true },
        vapid_public_key: vapid.publicKey,
      });
      // The server POSTs to endpoints: only to push services, never to an address a client names.
      const elsewhere = await request<{ error: { code: string } }>(
        server.url,
        'POST',
        '/api/me/push-subscriptions',
        {
          token: patient.token,
          body: { ...push.subscribe('x').json, endpoint: 'https://169.254.169.254/latest/meta-data' },
        },
      );
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.body.error.code).toBe('invalid_request');
      const plain = await request(server.url, 'POST', '/api/me/push-subscriptions', {
        token: patient.token,
        body: { ...push.subscribe('y').json, endpoint: 'http://127.0.0.1:1/push' },
      });
      expect(plain.status).toBe(400);
      expect(await notificationStoreFor(server.store).listPushSubscriptions(patient.user.id)).toHaveLength(1);
      const bad = await request<{ error: { code: string } }>(server.url, 'PATCH', '/api/me/notifications', {
        token: patient.token,
        body: { quiet_hours: { start: '25:00', end: '07:00', time_zone: 'Mars/Olympus' } },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_request');
      const off = await request<NotificationSettingsResponse>(server.url, 'PATCH', '/api/me/notifications', {
        token: patient.token,
        body: { push_enabled: false },
      });
      expect(off.body.push_enabled).toBe(false);

      await send(doctor);
      await later(61 * MINUTE);
      expect(push.received).toHaveLength(0);
      expect(smtp.mails).toHaveLength(1);

      const link = /To stop these emails: (\S+)/.exec(smtp.mails[0]!.decoded)?.[1] ?? '';
      const path = link.replace(PUBLIC_URL, '');
      const shown = await fetch(`${server.url}${path}`);
      expect(shown.status).toBe(200);
      expect(await shown.text()).toContain('<form method="post"');
      // Showing the page changed nothing (a mail scanner following links unsubscribes no one).
      expect((await notificationStoreFor(server.store).getPreferences(patient.user.id))?.emailEnabled).toBe(
        true,
      );
      const oneClick = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(oneClick.status).toBe(200);
      const after = await request<NotificationSettingsResponse>(server.url, 'GET', '/api/me/notifications', {
        token: patient.token,
      });
      expect(after.body.email_enabled).toBe(false);
      // Both changes are in the person's audit trail, without an address or a time zone.
      await expect
        .poll(async () =>
          (await securityStoreFor(server.store).queryAuditEvents({ targetUserId: patient.user.id }, 50))
            .filter((e) => e.action === 'settings.changed')
            .map((e) => e.detail),
        )
        .toEqual([
          { email_notifications: false, via: 'unsubscribe_link' },
          { push_notifications: false, email_notifications: true, quiet_hours: false },
        ]);
      const forged = await fetch(`${server.url}/api/notifications/unsubscribe?token=${doctor.user.id}.AAAA`, {
        method: 'POST',
      });
      expect(forged.status).toBe(400);

      // Quiet hours 09:00-12:00 in Paris (08:00-11:00 UTC in January): the push waits for their end.
      await request(server.url, 'PATCH', '/api/me/notifications', {
        token: patient.token,
        body: {
          push_enabled: true,
          quiet_hours: { start: '09:00', end: '12:00', time_zone: 'Europe/Paris' },
        },
      });
      // (the first message read, so the next one starts a new ladder)
      await request(server.url, 'POST', `/api/conversations/${conversation.id}/read`, {
        token: patient.token,
        body: { seq: 1 },
      });
      clock.set('2026-01-06T09:00:00.000Z');
      await send(doctor, 'Quiet hours message');
      await later(5 * MINUTE);
      expect(push.received).toHaveLength(0);
      clock.set('2026-01-06T10:59:00.000Z');
      await run();
      expect(push.received).toHaveLength(0);
      clock.set('2026-01-06T11:00:00.000Z');
      await run();
      expect(push.received).toHaveLength(1);
    });

    it('a practitioner gets a push at once inside their hours, and one digest outside them', async () => {
      await putSchedule(server.url, doctor, [
        { day_of_week: 1, start: '09:00', end: '17:00', timezone: 'UTC' },
      ]);
      const pager = await subscribe(doctor, 'pager');
      await send(patient, 'Inside hours');
      await run();
      expect(pushesTo(pager)).toHaveLength(1);
      await request(server.url, 'POST', `/api/conversations/${conversation.id}/read`, {
        token: doctor.token,
        body: { seq: 1 },
      });
      await server.app.notifications.settled();

      const other = await registerUser(server.url, { role: 'patient', name: 'Another Patient Name' });
      const second = await openConversation(server.url, other, doctor);
      clock.set('2026-01-05T20:10:00.000Z');
      await send(patient, SECRET_CONTENT);
      await send(other, SECRET_CONTENT, second.id);
      await later(30 * MINUTE);
      expect(smtp.mails).toHaveLength(0);
      // The digest's hour ends at 21:00.
      await later(20 * MINUTE);
      expect(smtp.mails).toHaveLength(1);
      expect(smtp.mails[0]!.decoded).toContain('2 conversations on carechat have unread messages.');
      expect(smtp.mails[0]!.raw).not.toContain('Another Patient Name');
      expect(smtp.mails[0]!.raw).not.toContain(SECRET_CONTENT);
      // Withdrawals aside, no push outside hours.
      expect(pushesTo(pager).filter((p) => p.type === 'message')).toHaveLength(1);
      await later(3 * 60 * MINUTE);
      expect(smtp.mails).toHaveLength(1);
    });
  },
);

describe.each(DIALECTS)('notifications on %s, unconfigured', (dialect) => {
  it('without VAPID keys and SMTP nothing is written or sent, and the settings say so', async () => {
    const server = await startServer({ dialect });
    try {
      const a = await registerUser(server.url);
      const b = await registerUser(server.url);
      const c = await openConversation(server.url, a, b);
      expect((await sendHttp(server.url, a, c.id, 'hello')).status).toBe(201);
      const settings = await request<NotificationSettingsResponse>(
        server.url,
        'GET',
        '/api/me/notifications',
        {
          token: b.token,
        },
      );
      expect(settings.body.available).toEqual({ push: false, email: false });
      expect(settings.body.vapid_public_key).toBeNull();
      const refused = await request(server.url, 'POST', '/api/me/push-subscriptions', {
        token: b.token,
        body: {
          endpoint: 'https://fcm.googleapis.com/fcm/send/abc',
          keys: { p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) },
        },
      });
      expect(refused.status).toBe(400);
      expect(server.app.notifications.enabled).toBe(false);
      expect(await server.app.notifications.dispatcher.runOnce()).toBe(0);
    } finally {
      await server.close();
    }
  });
});
