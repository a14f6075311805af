import { useCallback, useEffect, useRef, useState } from 'react';
import { Shell } from '../components/Shell.js';
import { watchInactivity } from '../lib/idle-logoff.js';
import { LiveStore } from '../lib/live.js';
import { titleFor, watchNotifications } from '../lib/notifications.js';
import { navigate, parseRoute, usePathname } from '../lib/router.js';
import { logOut, resumeSession, type Session } from '../lib/session.js';
import { LiveContext, useLive } from '../lib/use-live.js';
import { AdminDashboard } from './AdminDashboard.js';
import { ChatScreen } from './ChatScreen.js';
import { PatientDashboard } from './PatientDashboard.js';
import { PractitionerDashboard } from './PractitionerDashboard.js';
import { TeamInboxScreen } from './TeamInboxScreen.js';

/** The signed-in app: one live connection (the SDK) for every screen. */
export function SignedIn({ session, onSignedOut }: { session: Session; onSignedOut: () => void }) {
  const [store, setStore] = useState<LiveStore>();
  const token = useRef(session.accessToken);

  useEffect(() => {
    const live = new LiveStore({
      me: session.user,
      accessToken: session.accessToken,
      refreshToken: async () => {
        const fresh = await resumeSession();
        if (!fresh) throw new Error('signed out');
        token.current = fresh.accessToken;
        return fresh.accessToken;
      },
      onSignedOut,
    });
    const stopNotifications = watchNotifications(live);
    setStore(live);
    return () => {
      stopNotifications();
      live.close();
    };
  }, [session, onSignedOut]);

  const signOut = useCallback(async () => {
    await logOut(token.current);
    onSignedOut();
    navigate({ name: 'login' }, { replace: true });
  }, [onSignedOut]);

  useEffect(
    () => watchInactivity(session.idleTimeoutSeconds * 1000, () => void signOut()),
    [session.idleTimeoutSeconds, signOut],
  );

  if (!store) return null;
  return (
    <LiveContext.Provider value={store}>
      <Screens onSignOut={signOut} />
    </LiveContext.Provider>
  );
}

function Screens({ onSignOut }: { onSignOut: () => void }) {
  const live = useLive();
  const route = parseRoute(usePathname());
  const unread = live.unreadTotal();

  useEffect(() => {
    document.title = titleFor(unread);
  }, [unread]);

  useEffect(() => {
    if (route.name === 'login' || route.name === 'signup') navigate({ name: 'dashboard' }, { replace: true });
  }, [route.name]);

  let screen: React.ReactNode;
  if (route.name === 'chat' || route.name === 'chats') {
    screen = <ChatScreen conversationId={route.name === 'chat' ? route.conversationId : undefined} />;
  } else if (route.name === 'inbox' && live.me.role !== 'patient') {
    screen = <TeamInboxScreen practiceId={route.practiceId} conversationId={route.conversationId} />;
  } else if (live.me.role === 'patient') {
    screen = <PatientDashboard />;
  } else if (live.me.role === 'admin') {
    screen = <AdminDashboard />;
  } else {
    screen = <PractitionerDashboard />;
  }
  return (
    <Shell route={route} onSignOut={onSignOut}>
      {screen}
    </Shell>
  );
}
