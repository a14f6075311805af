import nodemailer, { type Transporter } from 'nodemailer';
import type { Mailer, OutgoingMail } from '../core/ports/mailer.js';

export interface SmtpSettings {
  host: string;
  port: number;
  /** `implicit`: TLS from the first byte (465); `starttls`: upgrade required (587); `none`: plain (local relays only). */
  tls: 'implicit' | 'starttls' | 'none';
  user: string | undefined;
  password: string | undefined;
  from: string;
}

/** Email over SMTP with nodemailer: one pooled connection, credentials from configuration. */
export class SmtpMailer implements Mailer {
  readonly #transport: Transporter;

  constructor(private readonly settings: SmtpSettings) {
    this.#transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.tls === 'implicit',
      requireTLS: settings.tls === 'starttls',
      ignoreTLS: settings.tls === 'none',
      pool: true,
      maxConnections: 2,
      connectionTimeout: 10_000,
      socketTimeout: 20_000,
      ...(settings.user !== undefined
        ? { auth: { user: settings.user, pass: settings.password ?? '' } }
        : {}),
      // Never log envelopes: they hold the recipient's address.
      logger: false,
    });
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.#transport.sendMail({
      from: this.settings.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      headers: mail.headers,
      ...(mail.headers['Message-ID'] ? { messageId: mail.headers['Message-ID'] } : {}),
    });
  }

  close(): void {
    this.#transport.close();
  }
}
