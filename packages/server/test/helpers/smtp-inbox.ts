import { SMTPServer } from 'smtp-server';
import type { TestCertificate } from './test-certificate.js';

/** One email as the SMTP server received it over TCP. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The whole message as it crossed the wire (headers and body). */
  raw: string;
  /** Headers unfolded and the body's quoted-printable decoded, for reading links. */
  decoded: string;
}

export interface SmtpInbox {
  port: number;
  mails: ReceivedMail[];
  /** Whether each mail came over TLS (in the order of `mails`). */
  secure: boolean[];
  /** The credentials it accepts (SMTP AUTH PLAIN/LOGIN). */
  user: string;
  password: string;
  close(): Promise<void>;
}

/** A real SMTP server (the smtp-server package) on a free port, keeping what it is given. */
/**
 * With `tls`, the server offers STARTTLS with that certificate (a client that trusts it can use
 * SMTP_TLS=starttls); without, plain TCP on loopback (SMTP_TLS=none).
 */
export async function startSmtpInbox(tls?: TestCertificate): Promise<SmtpInbox> {
  const mails: ReceivedMail[] = [];
  const secure: boolean[] = [];
  const user = 'carechat';
  const password = 'smtp-test-password';
  const server = new SMTPServer({
    ...(tls ? { key: tls.key, cert: tls.cert } : { disabledCommands: ['STARTTLS'], allowInsecureAuth: true }),
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) callback(null, { user });
      else callback(new Error('bad credentials'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        secure.push(session.secure);
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          decoded: decodeQuotedPrintable(raw.replace(/\r\n[ \t]+/g, ' ')),
        });
        callback();
      });
    },
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    mails,
    secure,
    user,
    password,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
