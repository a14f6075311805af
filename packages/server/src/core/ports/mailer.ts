/** Sends one email (SMTP in production: notify/smtp-mailer.ts). */
export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Extra headers (List-Unsubscribe, a stable Message-ID). */
  headers: Record<string, string>;
}
