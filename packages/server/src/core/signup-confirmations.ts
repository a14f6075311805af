import type { RequestContext } from './actor.js';
import type { AuditLog } from './audit.js';
import { newSecret } from './ids.js';
import type { Clock } from './ports/clock.js';
import type { Mailer } from './ports/mailer.js';
import type { SecurityStore, SignupConfirmationRecord } from './ports/security-store.js';
import type { UserRecord } from './ports/user-store.js';
import { hashToken } from './tokens.js';

/** Where a confirmation link lands (doors/http/link-routes.ts). */
export const CONFIRM_PATH = '/auth/confirm';

export interface SignupConfirmationOptions {
  security: SecurityStore;
  clock: Clock;
  audit: AuditLog;
  mailer: Mailer;
  /** PUBLIC_URL: the links in the emails start with it. */
  publicUrl: string;
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  /** How long a confirmation link may wait to be opened. */
  ttlSeconds?: number;
  onError?: (error: unknown) => void;
}

const DEFAULT_TTL_SECONDS = 24 * 3600;

/**
 * Sign-up by email confirmation (SIGNUP_CONFIRMATION=email): a sign-up makes no account, it sends
 * an email. To a new address, a link that makes the account when opened; to an address that has
 * an account, a word to its owner that someone tried. Both answers are the same (`202`), both
 * paths do the same work (a read and a write, the password hashed before either), and the email
 * leaves after the answer, so neither the answer nor its timing says whether the address is taken.
 * The emails carry nothing but the link: no name, no health data.
 */
export class SignupConfirmations {
  constructor(private readonly o: SignupConfirmationOptions) {}

  /** Records the sign-up (its password already hashed) and sends the email in the background. */
  async request(user: UserRecord, context: RequestContext | undefined): Promise<void> {
    const owner = await this.o.findUserByEmail(user.email);
    if (owner) {
      // The owner's trail, not the email: who tried to sign up with it, from where (decision 1202).
      await this.o.audit.recordNow(context ?? null, 'auth.register_existing', {
        outcome: 'refused',
        code: 'conflict',
        targetUserId: owner.id,
      });
      this.#send(owner.email, ACCOUNT_EXISTS_SUBJECT, accountExistsText(this.o.publicUrl));
      return;
    }
    const token = newSecret();
    const now = this.o.clock.now();
    await this.o.security.insertSignupConfirmation({
      tokenHash: hashToken(token),
      email: user.email,
      name: user.name,
      role: user.role,
      passwordHash: user.passwordHash ?? '',
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + (this.o.ttlSeconds ?? DEFAULT_TTL_SECONDS) * 1000).toISOString(),
    });
    this.#send(user.email, CONFIRM_SUBJECT, confirmText(`${this.o.publicUrl}${CONFIRM_PATH}?token=${token}`));
  }

  /** The sign-up a link confirms, once; undefined for a wrong, used or expired link. */
  claim(token: string): Promise<SignupConfirmationRecord | undefined> {
    return this.o.security.claimSignupConfirmation(hashToken(token), this.o.clock.now().toISOString());
  }

  #send(to: string, subject: string, text: string): void {
    this.o.mailer.send({ to, subject, text, headers: {} }).catch((error: unknown) => this.o.onError?.(error));
  }
}

const CONFIRM_SUBJECT = 'Confirm your carechat account';
const ACCOUNT_EXISTS_SUBJECT = 'Someone tried to create a carechat account with this address';

function confirmText(link: string): string {
  return [
    'Open this link within 24 hours to finish creating your carechat account:',
    '',
    link,
    '',
    'If you did not ask for an account, ignore this email: nothing is created without the link.',
  ].join('\n');
}

function accountExistsText(publicUrl: string): string {
  return [
    'Someone asked to create a carechat account with this email address, which has one already.',
    '',
    `If it was you, sign in at ${publicUrl}/ instead.`,
    'If it was not, you can ignore this email: nothing was changed.',
  ].join('\n');
}
