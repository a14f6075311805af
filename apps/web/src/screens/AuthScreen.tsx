import { type FormEvent, useId, useState } from 'react';
import { Logo } from '../components/Logo.js';
import { onLinkClick } from '../lib/router.js';
import { logIn, type Session, signUp } from '../lib/session.js';
import { errorInWords } from '../lib/words.js';

/** Sign in, or create an account as a patient or a practitioner. */
export function AuthScreen({
  mode,
  onSignedIn,
}: {
  mode: 'login' | 'signup';
  onSignedIn: (session: Session) => void;
}) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<'patient' | 'practitioner'>('patient');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  /** The server confirms sign-ups by email: the address to look in. */
  const [sentTo, setSentTo] = useState<string>();
  const ids = useId();
  const signup = mode === 'signup';

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const session = signup
        ? await signUp({ name: name.trim(), email: email.trim(), password, role })
        : await logIn(email.trim(), password);
      if (session === 'confirmation_sent') {
        setSentTo(email.trim());
        setBusy(false);
        return;
      }
      onSignedIn(session);
    } catch (caught) {
      const { code, message } = caught as { code?: string; message?: string };
      setError(
        signup && code === 'conflict'
          ? 'An account with this email exists already. Sign in instead.'
          : signup && code === 'invalid_request' && message && /too easy to guess/.test(message)
            ? 'This password is too easy to guess. Choose a longer one, such as a few unrelated words.'
            : signup && code === 'invalid_request'
              ? 'Please enter your name, a valid email and a password of at least 8 characters.'
              : errorInWords(caught),
      );
      setBusy(false);
    }
  }

  return (
    <div className="auth">
      <section className="auth-brand" aria-hidden="true">
        <div className="auth-brand-inner">
          <div className="brand-row">
            <Logo size={40} inverse />
            <span className="brand-name">carechat</span>
          </div>
          <p className="auth-tagline">
            Messages between you and your care team, kept safe and always in order.
          </p>
          <ul className="auth-points">
            <li>Talk with your practitioner around your appointments</li>
            <li>See when your message was delivered and read</li>
            <li>Keeps working when your connection drops</li>
          </ul>
        </div>
      </section>
      <main className="auth-main">
        <form className="auth-card" onSubmit={submit} aria-labelledby={`${ids}-title`} noValidate>
          <div className="brand-row auth-card-brand">
            <Logo size={32} />
            <span className="brand-name">carechat</span>
          </div>
          <h1 id={`${ids}-title`}>{signup ? 'Create your account' : 'Sign in'}</h1>
          <p className="muted">
            {signup ? 'It takes a minute.' : 'Welcome back. Sign in to see your messages and appointments.'}
          </p>
          {signup && (
            <div className="field">
              <label htmlFor={`${ids}-name`}>Full name</label>
              <input
                id={`${ids}-name`}
                name="name"
                autoComplete="name"
                required
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            </div>
          )}
          <div className="field">
            <label htmlFor={`${ids}-email`}>Email</label>
            <input
              id={`${ids}-email`}
              name="email"
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-password`}>Password</label>
            <input
              id={`${ids}-password`}
              name="password"
              type="password"
              autoComplete={signup ? 'new-password' : 'current-password'}
              minLength={signup ? 8 : undefined}
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-describedby={signup ? `${ids}-password-hint` : undefined}
            />
            {signup && (
              <p id={`${ids}-password-hint`} className="hint">
                At least 8 characters.
              </p>
            )}
          </div>
          {signup && (
            <fieldset className="field role-choice">
              <legend>I am a</legend>
              {(['patient', 'practitioner'] as const).map((value) => (
                <label key={value} className={role === value ? 'choice selected' : 'choice'}>
                  <input
                    type="radio"
                    name="role"
                    value={value}
                    checked={role === value}
                    onChange={() => setRole(value)}
                  />
                  {value === 'patient' ? 'Patient' : 'Practitioner'}
                </label>
              ))}
            </fieldset>
          )}
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          {sentTo && (
            <p className="form-ok" role="status">
              Check your inbox at {sentTo}: open the link we sent to finish creating your account. If this
              address has an account already, the email says so.
            </p>
          )}
          <button className="button primary block" type="submit" disabled={busy}>
            {busy ? 'Please wait…' : signup ? 'Create account' : 'Sign in'}
          </button>
          <p className="auth-switch">
            {signup ? (
              <>
                Have an account?{' '}
                <a href="/login" onClick={(e) => onLinkClick(e, { name: 'login' })}>
                  Sign in
                </a>
              </>
            ) : (
              <>
                New to carechat?{' '}
                <a href="/signup" onClick={(e) => onLinkClick(e, { name: 'signup' })}>
                  Create an account
                </a>
              </>
            )}
          </p>
        </form>
      </main>
    </div>
  );
}
