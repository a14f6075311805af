import { createHash } from 'node:crypto';
import type { OutgoingMail } from '../core/ports/mailer.js';

/**
 * Everything that leaves carechat to reach a person who is not looking is written here and only
 * here, and it carries no health data: no message content, no name of anyone, no conversation
 * title, no email address but the recipient's own in the envelope. A link opens the
 * conversation after sign-in; the conversation id in it is an opaque random id.
 */

/** What the service worker receives, decrypted (apps/web/public/sw.js reads exactly this). */
export type PushPayload =
  | { type: 'message'; tag: string; url: string; title: string; body: string }
  | { type: 'withdraw'; tag: string };

const PUSH_TITLE = 'carechat';
const PUSH_BODY = 'You have a new message. Open carechat to read it.';

/** The tag a notification is shown under on the device: one per conversation, so they replace each other. */
export function notificationTag(conversationId: string): string {
  return `conversation:${conversationId}`;
}

export function messagePush(conversationId: string, publicUrl: string): PushPayload {
  return {
    type: 'message',
    tag: notificationTag(conversationId),
    url: conversationLink(conversationId, publicUrl),
    title: PUSH_TITLE,
    body: PUSH_BODY,
  };
}

export function withdrawPush(conversationId: string): PushPayload {
  return { type: 'withdraw', tag: notificationTag(conversationId) };
}

/**
 * A push service keeps one undelivered message per topic: the withdrawal of a push not yet
 * delivered replaces it, and a push sent twice (a node killed between sending and recording it)
 * is delivered once. At most 32 URL-safe characters (RFC 8030 §5.4).
 */
export function pushTopic(userId: string, conversationId: string, round: number): string {
  return createHash('sha256').update(`${userId}/${conversationId}/${round}`).digest('base64url').slice(0, 32);
}

export function conversationLink(conversationId: string, publicUrl: string): string {
  return `${publicUrl}/chat/${encodeURIComponent(conversationId)}`;
}

export interface MailLinks {
  publicUrl: string;
  /** Turns email notifications off without signing in (a signed token). */
  unsubscribeUrl: string;
  /** Names this email once, so a resend after a crash is recognisably the same message. */
  messageId: string;
}

export function messageEmail(to: string, conversationId: string, links: MailLinks): OutgoingMail {
  return mail(
    to,
    'You have an unread message on carechat',
    [
      'You have an unread message on carechat.',
      '',
      `Sign in to read it: ${conversationLink(conversationId, links.publicUrl)}`,
    ],
    links,
  );
}

export function digestEmail(to: string, conversations: number, links: MailLinks): OutgoingMail {
  return mail(
    to,
    'Unread messages on carechat',
    [
      conversations === 1
        ? 'One conversation on carechat has unread messages.'
        : `${conversations} conversations on carechat have unread messages.`,
      '',
      `Sign in to read them: ${links.publicUrl}/chat`,
    ],
    links,
  );
}

function mail(to: string, subject: string, lines: string[], links: MailLinks): OutgoingMail {
  return {
    to,
    subject,
    text: [
      ...lines,
      '',
      'For your privacy this email never contains the message or who sent it.',
      `To stop these emails: ${links.unsubscribeUrl}`,
      '',
    ].join('\n'),
    headers: {
      'Message-ID': links.messageId,
      'List-Unsubscribe': `<${links.unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}
