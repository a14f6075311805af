import webPush from 'web-push';
import { type PushEndpoint, startPushEndpoint } from './push-endpoint.js';
import { type SmtpInbox, startSmtpInbox } from './smtp-inbox.js';
import { selfSignedCertificate } from './test-certificate.js';

export const TEST_PUBLIC_URL = 'https://care.example.test';

export interface NotifyParts {
  push: PushEndpoint;
  smtp: SmtpInbox;
  vapid: { publicKey: string; privateKey: string };
  /** A server's configuration for both: VAPID keys, the SMTP server, the local push service trusted. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The real outside world of notifications: a decrypting Web Push service and an SMTP server.
 * With `smtpTls`, the SMTP server requires STARTTLS with the push service's certificate, which
 * spawned nodes trust through NODE_EXTRA_CA_CERTS (in-process servers cannot: plain SMTP for them).
 */
export async function startNotifyParts(options: { smtpTls?: boolean } = {}): Promise<NotifyParts> {
  const vapid = webPush.generateVAPIDKeys();
  const certificate = selfSignedCertificate();
  const push = await startPushEndpoint(vapid.publicKey, certificate);
  const smtp = await startSmtpInbox(options.smtpTls ? certificate : undefined);
  return {
    push,
    smtp,
    vapid,
    env: {
      PUBLIC_URL: TEST_PUBLIC_URL,
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: 'mailto:ops@care.example.test',
      // The local push service stands in for the browsers' ones; spawned nodes trust its certificate
      // as they would a real one's CA (in-process servers get `push.agent`).
      NOTIFY_PUSH_HOSTS: '127.0.0.1',
      NODE_EXTRA_CA_CERTS: push.caFile,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_TLS: options.smtpTls ? 'starttls' : 'none',
      SMTP_USER: smtp.user,
      SMTP_PASSWORD: smtp.password,
      SMTP_FROM: 'carechat <no-reply@care.example.test>',
      // These suites sign their users up through the API and use them at once; confirming sign-ups
      // by email (on by default with SMTP) has a suite of its own (signup-confirmation.test.ts).
      SIGNUP_CONFIRMATION: 'off',
    },
    async close() {
      await push.close();
      await smtp.close();
    },
  };
}
