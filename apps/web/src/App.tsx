import { useCallback, useEffect, useState } from 'react';
import { navigate, parseRoute, usePathname } from './lib/router.js';
import { resumeSession, type Session } from './lib/session.js';
import { AuthScreen } from './screens/AuthScreen.js';
import { SignedIn } from './screens/SignedIn.js';

type Boot = { phase: 'checking' } | { phase: 'signed-out' } | { phase: 'signed-in'; session: Session };

/** Signs the person in (or finds their session from the cookie), then hands over to the app. */
export function App() {
  const [boot, setBoot] = useState<Boot>({ phase: 'checking' });
  const route = parseRoute(usePathname());

  useEffect(() => {
    let cancelled = false;
    resumeSession()
      .then((session) => {
        if (!cancelled) setBoot(session ? { phase: 'signed-in', session } : { phase: 'signed-out' });
      })
      .catch(() => {
        if (!cancelled) setBoot({ phase: 'signed-out' });
      });
    return () => {
      cancelled = true;
    };
  }, []);

  const onSignedIn = useCallback((session: Session) => {
    setBoot({ phase: 'signed-in', session });
    const next = parseRoute(location.pathname);
    if (next.name === 'login' || next.name === 'signup') navigate({ name: 'dashboard' }, { replace: true });
  }, []);
  const onSignedOut = useCallback(() => setBoot({ phase: 'signed-out' }), []);

  if (boot.phase === 'checking') {
    return (
      <div className="boot" role="status">
        <span className="spinner" aria-hidden="true" /> Loading carechat…
      </div>
    );
  }
  if (boot.phase === 'signed-out') {
    return <AuthScreen mode={route.name === 'signup' ? 'signup' : 'login'} onSignedIn={onSignedIn} />;
  }
  return <SignedIn key={boot.session.user.id} session={boot.session} onSignedOut={onSignedOut} />;
}
